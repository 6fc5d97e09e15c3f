"""`python -m pipeline run [PATH ...]`: every video through every stage, resumable; a summary at the end.

Exit 0 when every video and language succeeded, 1 when any failed (the others still completed), 2 for misuse.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from pipeline import report
from pipeline.batch import RunInterrupted, run_batch
from pipeline.commands import common
from pipeline.errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, default=[Path("videos")], metavar="PATH",
                   help="video files or folders (default: videos/)")
    common.add_model_args(p)
    common.add_subtitle_args(p)
    common.add_translation_args(p)
    common.add_burn_args(p)
    common.add_batch_args(p)
    p.add_argument("--burn-only", action="store_true",
                   help="only re-burn videos whose SRT files changed (e.g. reviewer edits); transcribe "
                        "nothing")


class _Bar:
    """One progress bar: audio seconds done, with an ETA."""

    def __init__(self, bar: object, release: object) -> None:
        self._bar, self._release = bar, release

    def __call__(self, done_ms: int, total_ms: int) -> None:
        bar = self._bar
        total = max(total_ms, 1) / 1000
        if bar.total != total:  # type: ignore[attr-defined]
            bar.total = total  # type: ignore[attr-defined]
        bar.update(min(done_ms / 1000, total) - bar.n)  # type: ignore[attr-defined]

    def close(self) -> None:
        self._bar.close()  # type: ignore[attr-defined]
        self._release()  # type: ignore[operator]


class TqdmProgress:
    """A bar per video being transcribed or burned (seconds of media
    done); concurrent ones get their own line."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used: set[int] = set()

    def __call__(self, label: str, total_ms: int) -> _Bar:
        from tqdm import tqdm

        with self._lock:
            slot = next(i for i in range(len(self._used) + 1) if i not in self._used)
            self._used.add(slot)
        bar = tqdm(total=max(total_ms, 1) / 1000, desc=label[:32], unit="s", position=slot, leave=slot == 0,
                   file=sys.stderr, dynamic_ncols=True,
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s "
                              "[{elapsed}<{remaining}]")

        def release() -> None:
            with self._lock:
                self._used.discard(slot)

        return _Bar(bar, release)


def _line_printer() -> Callable[[str], None]:
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            print(f"progress: {line}", flush=True)  # the prefix keeps it apart from the summary's rows
    return say


def handle(args: argparse.Namespace) -> int:
    opts = common.options_from_args(args)
    if args.burn_only and not opts.burn:
        raise UsageError("--burn-only and --no-burn contradict each other")
    if not args.burn_only:
        common.check_model_options(opts)
    show_bars = opts.progress and not getattr(args, "quiet", False) and sys.stderr.isatty()
    # Output to a file or a pipe (`make subtitles | tee log`): a line per finished stage and video instead.
    lines = not sys.stdout.isatty() and not getattr(args, "quiet", False)
    try:
        results = run_batch(args.paths, opts, progress=TqdmProgress() if show_bars else None,
                            burn_only=args.burn_only, notify=_line_printer() if lines else None)
    except RunInterrupted as stop:  # Ctrl-C: what was done so far, and exit 130 as a shell expects
        print(report.summary(stop.results, stop.total), flush=True)
        print("interrupted: the next run resumes where this one stopped", file=sys.stderr, flush=True)
        return 130
    print(report.summary(results), flush=True)
    return 1 if any(r.failed for r in results) else 0
