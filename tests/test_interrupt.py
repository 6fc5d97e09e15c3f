"""Ctrl-C (SIGINT to the run's Python process, as `kill -INT` or a terminal sends it) during transcription and
during an encode: the run stops within seconds, prints the summary so far, exits 130, stops its ffmpeg, and
records the video as interrupted, not failed."""

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
from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
PROMPT_S = 5.0  # "within a few seconds": the workers get 2 s to record where they stopped


def _start(videos: Path, out: Path, cache: Path) -> subprocess.Popen:
    # veryslow: an encode long enough to be caught in the middle on any machine
    cmd = [sys.executable, "-m", "pipeline", "run", str(videos), "-o", str(out), "--cache-dir", str(cache),
           "--jobs", "1", "--targets", "", "--x264-preset", "veryslow", "--no-progress"]
    # SIGINT as a terminal leaves it: a shell starts a background job (`make test &`) with SIGINT ignored,
    # the run would inherit that, and Python then installs no Ctrl-C handler at all.
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _interrupt_when(proc: subprocess.Popen, moment: Callable[[], bool]) -> tuple[int, str, str, float]:
    deadline = time.monotonic() + 240
    while not moment():
        if proc.poll() is not None:
            pytest.fail(f"run ended before the moment to interrupt "
                        f"it:\n{proc.communicate()[1].decode()[-2000:]}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("timed out waiting for the moment to interrupt the run")
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGINT)  # the Python process only: its ffmpeg must be stopped by the run itself
    sent = time.monotonic()
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, out.decode(), err.decode(), time.monotonic() - sent


def _no_process_left(group: int) -> bool:
    for _ in range(50):
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    os.killpg(group, signal.SIGKILL)
    return False


def test_ctrl_c_during_transcription_and_during_an_encode(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    videos, out, cache = tmp_path / "videos", tmp_path / "out", tmp_path / "cache"
    videos.mkdir()
    shutil.copy(ROOT / "videos" / "sample_ar.mp4", videos / "clip.mp4")

    def record() -> dict:
        return report.read_record(out).get("clip", {})

    # During transcription (the model is loaded or decoding: either way inside the Whisper stage).
    run = _start(videos, out, cache)
    rc, stdout, stderr, took = _interrupt_when(run, lambda: record().get("running") == "transcribe")
    assert rc == 130, (f"took {took:.2f} s; record now {record()}", stdout, stderr)
    assert took < PROMPT_S, f"took {took:.1f} s to stop"
    assert "INTERRUPTED" in stdout and "0 of 1 video(s) complete" in stdout, stdout
    assert "interrupted" in stderr and "Traceback" not in stderr, stderr
    assert record()["running"] == "transcribe" and record()["error"] is None
    assert _no_process_left(run.pid)

    # During the encode: ffmpeg is writing the temporary output.
    run = _start(videos, out, cache)
    rc, stdout, stderr, took = _interrupt_when(
        run, lambda: any(p.stat().st_size > 0 for p in out.glob(".clip.*.mp4.part")))
    assert rc == 130, (f"took {took:.2f} s; record now {record()}", stdout, stderr)
    assert took < PROMPT_S, f"took {took:.1f} s to stop"
    assert "interrupted during burn" in stdout, stdout
    # stdout is a pipe: a line per finished stage
    assert "progress: clip.mp4: transcribe finished" in stdout, stdout
    assert record()["running"] == "burn" and record()["error"] is None
    assert all(not lr.get("error") for lr in record()["langs"].values()), record()
    assert _no_process_left(run.pid), "ffmpeg was left running"
    assert not list(out.glob("*.mp4"))

    # `status` says interrupted, not failed.
    assert main(["status", str(videos), "-o", str(out)]) == 0
    assert "interrupted" in capsys.readouterr().out
