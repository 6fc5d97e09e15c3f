"""`python -m pipeline translate` and `models` through `pipeline.cli.main` (tiny real packages)."""

from __future__ import annotations

from pathlib import Path

import pytest
from argos_fixture import build_argosmodel, isolate, tiny_models

from pipeline.cli import main
from pipeline.profiles import profile
from pipeline.subtitles import load_srt, srt_to_string
from pipeline.types import Cue

SRC = [Cue(1000, 3000, ("Bonjour à tous, je suis Leila",)),
       Cue(3100, 5000, ("et je voyage avec LibanTroc.",)),
       Cue(7000, 9000, ("Merci beaucoup !",))]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def models() -> Path:
    return tiny_models()


@pytest.fixture
def srt(tmp_path: Path) -> Path:
    path = tmp_path / "clip.fr.srt"
    path.write_text(srt_to_string(SRC), encoding="utf-8")
    return path


def test_translate_writes_target_beside_input(srt: Path, models: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", str(srt), "--to", "ar", "--models-dir", str(models)]) == 0
    out = load_srt(srt.with_name("clip.ar.srt"))
    assert out and all(1000 <= c.start_ms < c.end_ms <= 9000 for c in out)
    for c in SRC:
        assert any(o.start_ms < c.end_ms and o.end_ms > c.start_ms for o in out)
    assert "LibanTroc" in " ".join(c.text for c in out)
    assert "clip.ar.srt" in capsys.readouterr().out


def test_translate_a_reviewer_file_out_of_order_and_overlapping(tmp_path: Path, models: Path) -> None:
    path = tmp_path / "x.fr.srt"
    path.write_text("1\n00:00:05,000 --> 00:00:07,000\nMerci beaucoup !\n\n"
                    "2\n00:00:01,000 --> 00:00:03,000\nBonjour à tous, je suis Leila\n\n"
                    "3\n00:00:02,500 --> 00:00:04,000\net je voyage avec LibanTroc.\n", encoding="utf-8")
    assert main(["translate", str(path), "--to", "en", "--models-dir", str(models)]) == 0
    out = load_srt(path.with_name("x.en.srt"), lenient=False)
    assert all(1000 <= c.start_ms < c.end_ms <= 7000 for c in out)
    for start, end in [(1000, 2500), (2500, 4000), (5000, 7000)]:
        assert any(o.start_ms < end and o.end_ms > start for o in out), f"{start}-{end} left uncovered"
    assert "LibanTroc" in " ".join(c.text for c in out)


def test_translate_preset_is_concrete_and_defaults_to_landscape(srt: Path, models: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", "--help"]) == 0
    assert "default: landscape" in " ".join(capsys.readouterr().out.split())
    assert main(["translate", str(srt), "--to", "en", "--preset", "auto", "--models-dir", str(models)]) == 2
    assert "invalid choice: 'auto'" in capsys.readouterr().err
    assert main(["translate", str(srt), "--to", "en", "--preset", "vertical", "--models-dir",
                 str(models)]) == 0
    limit = profile("en", "vertical").max_chars
    assert all(len(line) <= limit for c in load_srt(srt.with_name("clip.en.srt")) for line in c.lines
               if " " in line)


def test_translate_with_explicit_output_and_source(tmp_path: Path, models: Path) -> None:
    plain = tmp_path / "reviewed.srt"
    plain.write_text(srt_to_string(SRC), encoding="utf-8")
    target = tmp_path / "out" / "en.srt"
    assert main(["translate", str(plain), "--from", "fr", "--to", "en", "-o", str(target),
                 "--models-dir", str(models)]) == 0
    assert load_srt(target)


def test_translate_without_a_language_in_the_name_is_exit_2(tmp_path: Path, models: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "reviewed.srt"
    plain.write_text(srt_to_string(SRC), encoding="utf-8")
    assert main(["translate", str(plain), "--to", "en", "--models-dir", str(models)]) == 2
    assert "--from" in capsys.readouterr().err


def test_missing_package_is_exit_2_with_what_to_install(srt: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    only = tmp_path / "only"
    build_argosmodel(only, "fr", "en", seed=1)
    assert main(["translate", str(srt), "--to", "ar", "--models-dir", str(only)]) == 2
    err = capsys.readouterr().err
    assert "translate-en_ar" in err and "models install en ar" in err
    assert "translate-fr_en" not in err.split("install", 1)[1].split("(")[0]  # already there: not asked for
    assert not srt.with_name("clip.ar.srt").exists()


def test_existing_output_is_kept_without_force(srt: Path, models: Path) -> None:
    mine = srt.with_name("clip.en.srt")
    mine.write_text("a reviewer's work\n", encoding="utf-8")
    assert main(["translate", str(srt), "--to", "en", "--models-dir", str(models)]) == 2
    assert mine.read_text(encoding="utf-8") == "a reviewer's work\n"
    assert main(["translate", str(srt), "--to", "en", "--models-dir", str(models), "--force"]) == 0
    assert load_srt(mine)


def test_models_list_shows_directions(models: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--models-dir", str(models), "list"]) == 0
    out = capsys.readouterr().out
    for direction in ("ar->en  direct", "en->ar  direct", "fr->en  direct", "en->fr  direct"):
        assert direction in out
    assert "ar->fr  pivot    translate-ar_en + translate-en_fr" in out
    assert "fr->ar  pivot    translate-fr_en + translate-en_ar" in out
    assert "missing" not in out


def test_models_list_with_nothing_installed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.count("missing") == 6 and "Installed packages: none" in out
    assert "translate-ar_en" in out and "models install" in out


def test_models_install_local_file_then_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = build_argosmodel(tmp_path / "downloads", "en", "fr", seed=4)
    target = tmp_path / "mine"
    assert main(["models", "--models-dir", str(target), "install", str(archive)]) == 0
    assert main(["models", "--models-dir", str(target), "list"]) == 0
    out = capsys.readouterr().out
    assert "installed translate-en_fr" in out and "en->fr  direct" in out and "ar->fr  missing" in out


def test_models_install_online_without_argostranslate_is_exit_2(capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "argostranslate", None)
    assert main(["models", "install", "ar", "en"]) == 2
    assert "argosmodel" in capsys.readouterr().err
    assert main(["models", "install", "ar", "xx"]) == 2


def test_models_install_all_with_everything_there_installs_nothing(
        models: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--models-dir", str(models), "install", "all"]) == 0
    assert "are installed" in capsys.readouterr().out


def test_models_install_all_offline_says_how(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "argostranslate", None)
    assert main(["models", "--models-dir", str(tmp_path / "none"), "install", "all"]) == 2
    assert "translate-ar_en" in capsys.readouterr().err


def test_encoding_is_the_one_given(tmp_path: Path, models: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "legacy.fr.srt"
    path.write_bytes(srt_to_string(SRC).encode("cp1252"))
    assert main(["translate", str(path), "--to", "en", "--models-dir", str(models), "--encoding",
                 "utf-8"]) == 1
    assert "legacy.fr.srt:3: expected valid utf-8 text" in capsys.readouterr().err
    assert main(["translate", str(path), "--to", "en", "--models-dir", str(models), "--encoding",
                 "cp1252"]) == 0
    assert "LibanTroc" in " ".join(c.text for c in load_srt(path.with_name("legacy.en.srt")))


def test_translate_into_a_run_folder_keeps_a_reviewers_file_even_with_force(srt: Path, models: Path) -> None:
    from pipeline import review

    review.write_text(review.Manifest(srt.parent), srt.with_name("clip.ar.srt"), "ours\n")
    assert main(["translate", str(srt), "--to", "ar", "--models-dir", str(models)]) == 0  # ours: replaced
    assert "LibanTroc" in srt.with_name("clip.ar.srt").read_text(encoding="utf-8")
    reviewed = srt.with_name("clip.ar.srt")
    reviewed.write_text("1\n00:00:01,000 --> 00:00:03,000\nمراجعة\n", encoding="utf-8")
    assert main(["translate", str(srt), "--to", "ar", "--models-dir", str(models), "--force"]) == 2
    assert "مراجعة" in reviewed.read_text(encoding="utf-8")
