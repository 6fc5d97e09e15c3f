"""Helpers shared by the benchmarks: where the media is, timing and peak memory of a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDIA = Path(os.environ.get("SHARED_MEDIA", ROOT.parent / "shared" / "media"))

_PEAK = ("\nimport resource as _r, sys as _s\n"
         "print('__PEAK_KIB__', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss, file=_s.stderr)\n")


def timed_subprocess(code: str, *args: str) -> tuple[float, int, str]:
    """Run `python -c code args...` in a fresh process: (wall seconds, peak RSS in MiB, stdout).

    A fresh process per candidate keeps each one's peak memory its own.
    """
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code + _PEAK, *args], capture_output=True, text=True,
                          cwd=ROOT)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-2000:]}")
    peak_kib = next(int(line.split()[1]) for line in proc.stderr.splitlines()
                    if line.startswith("__PEAK_KIB__"))
    return wall, peak_kib // 1024, proc.stdout


def best_of(fn: Callable[[], object], runs: int = 3) -> float:
    """The shortest wall time of `runs` calls (the others were slowed by something else)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best
