"""`python -m pipeline run` and `status` through `pipeline.cli.main`: exit codes, summary, status states."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fake_stages import Fakes

from pipeline import batch
from pipeline.cli import main
from pipeline.media import probe
from pipeline.subtitles import load_srt


@pytest.fixture
def fake_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    fakes = Fakes()
    monkeypatch.setattr(batch, "STAGES", batch.STAGES.with_overrides(fakes.registry()))
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "a.mp4").write_text("one two three")
    (videos / "b.mp4").write_text("four five")
    out = tmp_path / "out"
    common = ["-o", str(out), "--cache-dir", str(tmp_path / "cache"), "--targets", "fr,en", "--no-progress"]
    return {"videos": videos, "out": out, "args": common, "fakes": fakes}


def test_all_good_exits_0_with_a_summary_table(fake_env: dict, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(fake_env["videos"]), *fake_env["args"]]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("video"))
    assert header.split() == ["video", "lang", "transcribe", "segment", "translate", "write", "burn", "cues",
                              "QC", "cpl/cps/lines", "%", "time"]
    row = next(line for line in out.splitlines() if line.startswith("a.mp4"))
    assert "100/100/100" in row.split()  # one short word per fake cue: within every limit
    assert "2 of 2 video(s) complete" in out


def test_a_failure_exits_1_and_names_the_cause(fake_env: dict, capsys: pytest.CaptureFixture[str]) -> None:
    (fake_env["videos"] / "broken.mp4").write_text("corrupt")
    assert main(["run", str(fake_env["videos"]), *fake_env["args"]]) == 1
    out = capsys.readouterr().out
    failures = out.split("Failures:")[1]
    assert "broken.mp4:" in failures and "not a readable media file" in failures
    assert "2 of 3 video(s) complete" in out


@pytest.mark.parametrize("argv", [["run", "/no/such/folder"], ["run", "videos", "--jobs", "0"],
                                  ["run", "videos", "--burn-only", "--no-burn"], ["run", "--targets", "de"]])
def test_misuse_exits_2(argv: list[str], fake_env: dict) -> None:
    assert main(argv) == 2


def test_status_reports_new_done_failed_and_stale(fake_env: dict, capsys: pytest.CaptureFixture[str]) -> None:
    videos, out = fake_env["videos"], fake_env["out"]
    status = ["status", str(videos), "-o", str(out)]
    assert main(status) == 0
    assert capsys.readouterr().out.count("new") >= 2
    (videos / "broken.mp4").write_text("corrupt")
    main(["run", str(videos), *fake_env["args"]])
    capsys.readouterr()
    (out / "a.fr.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\ncorrigé\n", encoding="utf-8")
    calls_before = dict(fake_env["fakes"].calls)
    assert main(status) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert fake_env["fakes"].calls == calls_before  # status runs nothing
    assert lines["b.mp4"].split()[1] == "done"
    assert lines["broken.mp4"].split()[1] == "failed" and "not a readable" in lines["broken.mp4"]
    assert lines["a.mp4"].split()[1] == "stale" and "fr: reviewer-edited" in lines["a.mp4"]
    assert "make burn" in lines["a.mp4"]


def test_status_keeps_a_translation_needing_a_look_until_the_reviewer_touches_it(
        fake_env: dict, capsys: pytest.CaptureFixture[str]) -> None:
    videos, out = fake_env["videos"], fake_env["out"]
    run, status = (["run", str(videos / "a.mp4"), *fake_env["args"]],
                   ["status", str(videos / "a.mp4"), "-o", str(out)])
    main(run)
    fr, src = out / "a.fr.srt", out / "a.ar.srt"
    fr.write_text(fr.read_text(encoding="utf-8").replace("fr:one", "fr: un"), encoding="utf-8")
    src.write_text(src.read_text(encoding="utf-8").replace("two", "deux"), encoding="utf-8")
    main(run)
    main(run)
    capsys.readouterr()
    main(status)
    assert "fr: needs a look" in capsys.readouterr().out
    fr.write_text(fr.read_text(encoding="utf-8").replace("fr:two", "fr: deux"), encoding="utf-8")
    main(status)
    assert "needs a look" not in capsys.readouterr().out


def test_status_shows_translations_made_from_an_older_source_as_stale(
        fake_env: dict, capsys: pytest.CaptureFixture[str]) -> None:
    videos, out = fake_env["videos"], fake_env["out"]
    main(["run", str(videos / "a.mp4"), *fake_env["args"], "--no-burn"])
    src = out / "a.ar.srt"
    src.write_text(src.read_text(encoding="utf-8").replace("two", "deux"), encoding="utf-8")
    capsys.readouterr()
    main(["status", str(videos / "a.mp4"), "-o", str(out)])
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("a.mp4"))
    assert (line.split()[1] == "stale" and "fr: stale: translation" in line
            and "en: stale: translation" in line)
    assert "ar: stale" not in line


# --- real stages: Whisper, ffmpeg --------------------------------------------------------------------

GOOD = {"en_grid_bbaf2n.mpg": 'it\'s "quoted".mpg', "en_grid_lwbsza.mpg": "interview 10:30.mpg",
        "en_grid_swwp2s.mpg": "قال المتحدث.mpg"}


def _bad_inputs(folder: Path, media: Path) -> dict[str, str]:
    """name -> a word the summary must give as its cause."""
    (folder / "corrupt.mp4").write_bytes(bytes(range(256)) * 64)
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.mp4").write_text("meeting notes, not a video\n", encoding="utf-8")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", str(folder / "no audio.mp4")], check=True)
    return {"corrupt.mp4": "not a readable media file", "empty.mp4": "empty file",
            "notes.mp4": "not a readable media file", "no audio.mp4": "no audio track"}


@pytest.mark.slow
def test_bad_files_fail_alone_and_odd_names_complete(tmp_path: Path, media: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    videos, out = tmp_path / "videos", tmp_path / "out"
    videos.mkdir()
    for src, name in GOOD.items():
        shutil.copy(media / "video" / src, videos / name)
    causes = _bad_inputs(videos, media)
    code = main(["run", str(videos), "-o", str(out), "--cache-dir", str(tmp_path / "cache"), "--targets", "",
                 "--source", "en", "--x264-preset", "ultrafast", "--jobs", "2", "--no-progress"])
    summary = capsys.readouterr().out
    assert code == 1
    failures = summary.split("Failures:")[1].split("Notes:")[0]
    for name, cause in causes.items():
        line = next(x for x in failures.splitlines() if x.strip().startswith(name + ":"))
        assert cause in line, line
    for name in GOOD.values():
        stem = Path(name).stem
        assert name not in failures
        cues = load_srt(out / f"{stem}.en.srt", lenient=False)
        assert cues and all(c.end_ms > c.start_ms for c in cues)
        burned = probe(out / f"{stem}.en.mp4")
        assert burned.has_video and abs(burned.duration_ms - probe(videos / name).duration_ms) < 150
    assert f"{len(GOOD)} of {len(GOOD) + len(causes)} video(s) complete" in summary
