"""Feedback on long work: a line per finished stage and video when output is not a terminal, per-stage times
in the summary, -v after the subcommand, every option's default in its help, `make help`."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest
from fake_stages import Fakes

from pipeline import batch, report
from pipeline.cli import build_parser, main
from pipeline.options import Options

ROOT = Path(__file__).resolve().parent.parent


def test_a_line_per_finished_stage_and_video_and_times_per_stage(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "a.mp4").write_text("one two three")
    lines: list[str] = []
    opts = Options(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", jobs=1, targets=("fr",))
    results = batch.run_batch([videos], opts, stages=Fakes().registry(), notify=lines.append)
    stages = [line.split(": ", 1)[1].split(" finished")[0] for line in lines if " finished" in line]
    assert stages == ["probe", "transcribe", "segment", "translate fr", "burn"], lines
    assert lines[-1].startswith("a.mp4: done in ")
    assert set(results[0].stage_seconds) == set(stages)
    summary = report.summary(results)
    assert "Time per stage: probe " in summary and "translate " in summary and " burn " in summary


def test_verbose_and_quiet_are_accepted_after_the_subcommand(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "a.mp4").write_bytes(b"")
    assert main(["status", "videos", "-v"]) == 0
    assert main(["status", "videos", "-vv"]) == 0
    assert main(["status", "videos", "-q"]) == 0
    args = build_parser().parse_args(["-v", "status", "videos"])
    assert args.verbose == 1  # before the subcommand still counts
    assert build_parser().parse_args(["status", "videos", "-vv"]).verbose == 2


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("command", list(_subparsers()))
def test_every_option_help_says_its_default(command: str) -> None:
    parser = _subparsers()[command]
    for action in parser._actions:
        if not action.option_strings or action.default is argparse.SUPPRESS or action.required:
            continue
        assert "default" in (action.help or ""), (command, action.option_strings, action.help)
    parser.format_help()  # no stray % in the help texts


def test_make_help_lists_the_targets() -> None:
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in ("subtitles", "burn", "status", "check", "lint", "test"):
        assert f"make {target}" in out
