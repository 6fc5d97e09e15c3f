"""`python -m pipeline check`: table and JSON output, exit codes, --fix with a backup and words untouched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_qc import FAULTS, FAULTY, build_corpus

from pipeline import srtcheck, typography
from pipeline.cli import main
from pipeline.subtitles import format_timestamp, load_srt


@pytest.fixture()
def corpus(tmp_path: Path) -> dict[str, Path]:
    return build_corpus(tmp_path / "srt")


def test_json_report_for_a_folder_finds_every_fault(corpus: dict[str, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(corpus["clean"].parent), "--json"]) == 1
    reports = {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)}
    assert len(reports) == len(FAULTS) + 1
    assert reports["clean.en.srt"]["findings"] == []
    for code in FAULTS:
        found = reports[f"{code}.en.srt"]["findings"]
        assert (code, FAULTY) in {(f["code"], f["cue"]) for f in found}


def test_table_names_cue_time_and_code(corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(corpus["overlap"])]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.split()[3:4] == ["overlap"])
    assert row.split()[:2] == [str(FAULTY), format_timestamp(int(FAULTS["overlap"]["start"]))]  # type: ignore[call-overload]


def test_exit_codes(corpus: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(corpus["clean"])]) == 0
    assert main(["check", str(corpus["typography"])]) == 0  # warnings only
    assert main(["check", str(corpus["empty_cue"])]) == 1
    assert main(["check", str(tmp_path / "nope.srt")]) == 2
    assert main(["check", str(corpus["clean"]), "--set", "bogus=1"]) == 2
    assert main(["check", str(corpus["clean"]), "--preset", "vertical", "--set", "max_chars=10"]) == 1
    capsys.readouterr()


def test_fix_is_safe_and_keeps_a_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "talk.fr.srt"
    original = ("\ufeff3\r\n00:00:01,000 --> 00:00:02,500\r\nBonjour !\r\n\r\n"
                "9\r\n00:00:02,510 --> 00:00:04,000\r\nÇa va ? « Oui »\r\n").encode("utf-8")
    path.write_bytes(original)
    before = load_srt(path)
    assert main(["check", str(path), "--fix"]) == 0
    assert (tmp_path / "talk.fr.srt.bak").read_bytes() == original
    after = load_srt(path)
    assert [typography.plain(c.text) for c in after] == [typography.plain(c.text) for c in before]
    assert [c.start_ms for c in after] == [c.start_ms for c in before]
    assert path.read_text(encoding="utf-8").startswith("1\n")
    assert srtcheck.check_file(path).findings == ()
    assert "fixed:" in capsys.readouterr().out
    assert main(["check", str(path), "--fix"]) == 0  # nothing left to fix: no second backup
    assert not (tmp_path / "talk.fr.srt.bak1").exists()


def test_fix_refuses_unreadable_timecodes(corpus: dict[str, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = corpus["bad_timecode"]
    before = path.read_bytes()
    assert main(["check", str(path), "--fix"]) == 1
    assert path.read_bytes() == before
    assert "not fixed" in capsys.readouterr().out


def test_module_entry_point_on_cp1256_file(tmp_path: Path) -> None:
    path = tmp_path / "legacy.srt"
    path.write_bytes("1\r\n00:00:01,000 --> 00:00:03,000\r\nمرحبا بكم في القاهرة\r\n".encode("cp1256"))
    proc = subprocess.run([sys.executable, "-m", "pipeline", "check", str(path), "--json"],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr
    report, = json.loads(proc.stdout)
    assert report["language"] == "ar" and report["findings"] == []


def test_a_binary_file_is_one_clear_error_and_the_batch_goes_on(corpus: dict[str, Path], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    video = tmp_path / "some.webm"
    video.write_bytes(b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01" + bytes(range(256)) * 40)
    assert main(["check", str(video), str(corpus["clean"])]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith("error:")] == [
        f"error: {video}: not a text subtitle file (binary data)"]
    assert len(out) < 10 and any(line.startswith(str(corpus["clean"])) for line in out)


def test_check_preset_help_says_landscape_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"]) == 0
    # the preset a run recorded for the file, else landscape
    assert "made the file for, else landscape)" in " ".join(capsys.readouterr().out.split())
    assert main(["check", "x.srt", "--preset", "auto"]) == 2


def test_check_agrees_with_the_run_that_made_the_files(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Vertical cues are judged as vertical, social/ copies are not judged twice, a no-speech .und.srt is a
    note: a clean `run` is a clean `check` (issue 10, point 6)."""
    from fake_stages import Fakes

    from pipeline import batch
    from pipeline.options import Options

    videos, out = tmp_path / "videos", tmp_path / "out"
    videos.mkdir()
    speech = ("Every Friday morning we run along the corniche with our friends and neighbours, and after "
              "the run we share breakfast together before going to work in the city")
    (videos / "story.mp4").write_text(speech)
    (videos / "music.mp4").write_text("")
    fakes = Fakes()
    stages = {**fakes.registry(), "segment": batch.STAGES.segment, "qc": batch.STAGES.qc}
    opts = Options(out_dir=out, cache_dir=tmp_path / "cache", jobs=1, preset="vertical", targets=())
    results = {r.stem: r for r in batch.run_batch([videos], opts, stages=stages)}
    assert results["story"].langs["ar"].qc == "ok"
    cues = load_srt(out / "story.ar.srt")
    assert max(len(c.lines) for c in cues) == 3  # a vertical layout: three lines are allowed there
    capsys.readouterr()
    assert main(["check", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "(ar, vertical)" in printed and "landscape" not in printed
    assert "social skipped: copies" in printed and "story.ar_AR.srt" not in printed
    assert "music.und.srt: no speech" in printed
    # Asked for explicitly, the landscape limits still apply.
    assert main(["check", str(out / "story.ar.srt"), "--preset", "landscape"]) == 1


def test_make_check_is_about_subtitles_not_code() -> None:
    ROOT = Path(__file__).resolve().parent.parent
    plan = subprocess.run(["make", "-n", "-W", "pyproject.toml", "check"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    assert "pipeline check" in plan and "ruff" not in plan
