"""`pipeline.cli.main`: exit codes and one-line errors for misuse and file-system failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "videos" / "sample_ar.mp4"


def test_help_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "transcribe" in capsys.readouterr().out
    assert main(["no-such-command"]) == 2


def test_output_folder_under_a_file_is_one_line_not_a_traceback(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = main(["run", str(SAMPLE), "-o", str(blocker / "out"), "--no-burn", "--no-progress",
                 "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and str(blocker) in lines[0]
