"""kill -9 in the middle of transcription, then in the middle of an encode: the next run finishes the work,
leaves no truncated file, and does not redo what was complete (read from the cache and the run record)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import report
from pipeline.media import probe
from pipeline.subtitles import load_srt

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _state(out: Path) -> dict:
    return report.read_record(out)  # reads a record a running process is appending to, never writes


def _start(videos: Path, out: Path, cache: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipeline", "run", str(videos), "-o", str(out), "--cache-dir", str(cache),
           "--jobs", "1", "--targets", "", "--x264-preset", "ultrafast", "--no-progress"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _kill_when(proc: subprocess.Popen, moment: Callable[[], bool], timeout: float = 180) -> None:
    """SIGKILL the run (the Python process only, as `kill -9 PID` would) as soon as `moment()` holds."""
    deadline = time.monotonic() + timeout
    while not moment():
        if proc.poll() is not None:
            pytest.fail(f"run ended before the moment to kill it:\n{proc.stdout.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("timed out waiting for the moment to kill the run")
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with pytest.raises(ProcessLookupError):  # then tidy up an orphaned ffmpeg, if any
        while True:
            os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.05)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed into place meanwhile
        return 0


def _transcripts(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (cache / "asr").glob("*.json")}


def _assert_outputs_whole(out: Path, videos: Path) -> None:
    for srt in out.glob("*.srt"):
        cues = load_srt(srt, lenient=False)
        assert cues, srt
    for mp4 in out.glob("*.mp4"):
        source = next(videos.glob(mp4.name.split(".")[0] + ".*"))
        assert abs(probe(mp4).duration_ms - probe(source).duration_ms) < 150, mp4


def test_sigkill_during_transcription_and_encode_then_resume(tmp_path: Path, media: Path) -> None:
    videos, out, cache = tmp_path / "videos", tmp_path / "out", tmp_path / "cache"
    videos.mkdir()
    shutil.copy(media / "video" / "en_grid_bbaf2n.mpg", videos / "1_first.mpg")
    shutil.copy(ROOT / "videos" / "sample_ar.mp4", videos / "2_middle.mp4")
    shutil.copy(media / "video" / "en_grid_lwbsza.mpg", videos / "3_last.mpg")

    # Run 1: killed while the second video is being transcribed (the first is complete).
    run = _start(videos, out, cache)
    _kill_when(run, lambda: _state(out).get("2_middle", {}).get("running") == "transcribe")
    first_done = _transcripts(cache)
    assert len(first_done) == 1, "killed before the second transcript was stored"
    assert _state(out)["1_first"]["running"] is None
    assert not list(out.glob("2_middle.*")) and not list(out.glob("3_last.*"))
    _assert_outputs_whole(out, videos)

    # Run 2: killed while the second video is being encoded.
    run = _start(videos, out, cache)
    _kill_when(run, lambda: any(_size(p) > 0 for p in out.glob(".2_middle.*.mp4.part")))  # ffmpeg is writing
    second = _state(out)
    assert second["1_first"]["stages"]["transcribe"] == "cached"
    assert set(second["1_first"]["langs"]["en"]["stages"].items()) >= {("write", "unchanged"),
                                                                        ("burn", "up to date")}
    assert second["2_middle"]["running"] == "burn" and second["2_middle"]["stages"]["transcribe"] == "done"
    transcripts = _transcripts(cache)
    assert len(transcripts) == 2 and all(transcripts[k] == v for k, v in first_done.items())
    assert not list(out.glob("2_middle.*.mp4"))  # only the temporary file, never a truncated output
    _assert_outputs_whole(out, videos)

    # Run 3: completes; nothing complete is redone.
    run = _start(videos, out, cache)
    log = run.communicate(timeout=300)[0].decode()
    assert run.returncode == 0, log
    final = _state(out)
    assert [final[s]["stages"]["transcribe"] for s in ("1_first", "2_middle", "3_last")] == [
        "cached", "cached", "done"]
    burns = {s: [lr["stages"]["burn"] for lr in final[s]["langs"].values()] for s in final}
    assert burns == {"1_first": ["up to date"], "2_middle": ["done"], "3_last": ["done"]}
    assert all(_transcripts(cache)[k] == v for k, v in transcripts.items())
    assert not [p for p in out.rglob("*.part")]
    assert len(list(out.glob("*.mp4"))) == 3 and len(list(out.glob("*.srt"))) == 3
    _assert_outputs_whole(out, videos)
