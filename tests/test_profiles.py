"""Profiles: the defaults of the table, and user overrides checked before anything runs."""

from __future__ import annotations

import argparse
import math
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import profiles
from pipeline.cli import main
from pipeline.commands.common import add_subtitle_args, options_from_args
from pipeline.errors import UsageError
from pipeline.profiles import LANGUAGES, PRESETS, Profile, profile


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_default_profile_is_valid(lang: str, preset: str) -> None:
    p = profile(lang, preset)
    assert p.max_chars > 0 and p.max_lines > 0 and p.max_cps > 0 and 0 < p.min_ms <= p.max_ms


def test_valid_overrides_are_applied_with_their_types() -> None:
    p = profile("fr", "vertical", {"max_cps": 15.5, "max_chars": 37.0, "min_gap_ms": 0, "linger_ms": 0.0})
    assert (p.max_cps, p.max_chars, p.min_gap_ms, p.linger_ms) == (15.5, 37, 0, 0)
    assert isinstance(p.max_chars, int) and isinstance(p.max_cps, float)


@pytest.mark.parametrize(("setting", "value"), [
    ("max_cps", 0), ("max_cps", -3), ("max_cps", math.nan), ("max_cps", math.inf),
    ("max_chars", 0), ("max_chars", -1), ("max_chars", 37.5), ("max_chars", math.nan),
    ("max_lines", 0), ("max_lines", 1.5), ("max_lines", math.inf),
    ("min_ms", 0), ("max_ms", -1), ("max_ms", math.nan),
    ("min_gap_ms", -1), ("chain_ms", -83), ("linger_ms", math.nan), ("linger_ms", 0.5),
])
def test_nonsense_override_is_a_usage_error_naming_setting_and_range(setting: str, value: float) -> None:
    with pytest.raises(UsageError, match=rf"{setting}.*(> 0|>= 0)") as info:
        profile("en", "landscape", {setting: value})
    assert "\n" not in str(info.value)


def test_min_duration_above_max_duration_is_refused() -> None:
    with pytest.raises(UsageError, match=r"min_ms.*max_ms"):
        profile("ar", "landscape", {"min_ms": 8000})
    with pytest.raises(UsageError, match=r"min_ms.*max_ms"):
        profile("ar", "landscape", {"max_ms": 500})
    assert profile("ar", "landscape", {"min_ms": 7000}).min_ms == 7000  # equal is fine


@given(st.sampled_from(["max_cps", "max_chars", "max_lines", "min_ms", "max_ms", "min_gap_ms", "chain_ms",
                        "linger_ms"]),
       st.floats(allow_nan=True, allow_infinity=True))
def test_any_override_either_builds_a_sane_profile_or_is_refused(setting: str, value: float) -> None:
    try:
        p = profile("fr", "square", {setting: value})
    except UsageError as exc:
        assert setting in str(exc)
        return
    assert math.isfinite(p.max_cps) and p.max_cps > 0 and p.max_chars >= 1 and p.max_lines >= 1
    assert 0 < p.min_ms <= p.max_ms and min(p.min_gap_ms, p.chain_ms, p.linger_ms) >= 0


def test_unknown_setting_is_still_refused() -> None:
    with pytest.raises(UsageError, match="unknown profile setting"):
        profile("en", "landscape", {"max_cpz": 12})


@pytest.fixture
def srt(tmp_path: Path) -> Path:
    path = tmp_path / "clip.en.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:03,000\nHello there.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("setting", ["max_cps=0", "max_cps=nan", "max_lines=0", "min_gap_ms=-1"])
def test_check_with_a_nonsense_setting_exits_2_with_one_line(setting: str, srt: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    before = srt.read_bytes()
    assert main(["check", str(srt), "--fix", "--set", setting]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and setting.split("=")[0] in err
    assert srt.read_bytes() == before and not list(srt.parent.glob("*.bak"))


def test_check_with_a_sane_setting_still_works(srt: Path) -> None:
    assert main(["check", str(srt), "--set", "max_cps=15", "--set", "min_gap_ms=0"]) == 0


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "five"])
def test_beam_size_must_be_a_positive_integer(value: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", str(tmp_path / "v.mp4"), "--beam-size", value]) == 2
    err = capsys.readouterr().err
    assert "--beam-size" in err and "positive integer" in err


def test_every_numeric_profile_field_has_a_valid_range() -> None:
    numeric = {f.name for f in fields(Profile)} - {"language", "preset", "protected"}
    assert set(profiles._SETTINGS) == numeric


def test_options_refuse_a_nonsense_override_before_any_work() -> None:
    parser = argparse.ArgumentParser()
    add_subtitle_args(parser)
    assert (options_from_args(parser.parse_args(["--set", "max_cps=15"])).profile_overrides
            == (("max_cps", 15.0),))
    with pytest.raises(UsageError, match="max_lines"):
        options_from_args(parser.parse_args(["--set", "max_lines=0"]))
