"""Helpers shared by the benchmarks: where the media is, timing and peak memory of a child process."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDIA = Path(os.environ.get("SHARED_MEDIA", ROOT.parent / "shared" / "media"))


def timed_subprocess(code: str, *args: str) -> tuple[float, int, str]:
    """Run `python -c code args...` in a fresh process: (wall seconds, peak RSS in MiB, stdout).

    A fresh process per measurement keeps peak memory per candidate honest (ru_maxrss of the child only).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # RUSAGE_CHILDREN is the max over all children so far: only trustworthy if it grew, so report the child's own.
    return wall, max(peak, before) // 1024, proc.stdout
