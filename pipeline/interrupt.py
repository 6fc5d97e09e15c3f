"""Stopping a run on Ctrl-C: one process-wide flag, and the child processes (ffmpeg) to stop with it.

SIGINT lands in the main thread; videos are worked on in other threads, inside model calls and ffmpeg runs
that do not see it. The main thread calls `request_stop()`: child processes started through `run()` are
terminated at once, and a worker raises `Interrupted` at its next `check()` (stage boundaries, progress
callbacks). `Interrupted` is not an `Exception`, so the per-video guards that turn failures into one-line
errors let it through: an interrupted video is recorded as interrupted, never as failed.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Sequence

_stop = threading.Event()
_lock = threading.Lock()
_children: set[subprocess.Popen] = set()
# A terminal's Ctrl-C reaches ffmpeg (same process group) as it reaches us; ffmpeg may exit before the main
# thread has set the flag, so a failed child waits this long for the flag before it counts as a failure.
_GRACE_S = 1.0


class Interrupted(BaseException):
    """The run is stopping (Ctrl-C): the work in hand is abandoned, not failed."""


def requested() -> bool:
    return _stop.is_set()


def check() -> None:
    """Raise `Interrupted` when the run is stopping (call it where stopping is safe)."""
    if _stop.is_set():
        raise Interrupted


def request_stop() -> None:
    """Stop the run: workers stop at their next check, child processes are terminated now."""
    _stop.set()
    with _lock:
        children = list(_children)
    for proc in children:
        if proc.poll() is None:
            proc.terminate()


def reset() -> None:
    """A new run in this process starts unstopped."""
    _stop.clear()


def run(cmd: Sequence[str], *, timeout: float | None = None,
        on_line: Callable[[str], None] | None = None) -> subprocess.CompletedProcess[bytes]:
    """`subprocess.run(cmd, capture_output=True)`, stoppable by `request_stop()`; raises `Interrupted` then.

    `on_line`: called with each line of the child's stdout as it comes (e.g. ffmpeg's -progress); `timeout`
    then applies only once stdout has closed.
    """
    check()
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with _lock:
        _children.add(proc)
    try:
        out, err = proc.communicate(timeout=timeout) if on_line is None else _streamed(proc, on_line, timeout)
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    finally:
        with _lock:
            _children.discard(proc)
    if proc.returncode != 0 and _stop.wait(_GRACE_S):
        raise Interrupted
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _streamed(proc: subprocess.Popen, on_line: Callable[[str], None],
              timeout: float | None) -> tuple[bytes, bytes]:
    """stdout line by line to `on_line` while stderr is collected beside it (no pipe fills up and blocks)."""
    err: list[bytes] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    reader.start()
    out = []
    for raw in proc.stdout:
        out.append(raw)
        on_line(raw.decode("utf-8", "replace"))
    proc.wait(timeout=timeout)
    reader.join()
    return b"".join(out), b"".join(err)
