"""A batch run: every video x stage x language, resumable, isolated, in parallel.

Stages (transcribe, segment, translate, write, burn) are looked up in a small registry so tests can swap in
fakes. Expensive outputs are cached by content (transcripts and translated sentences in `pipeline.cache`,
burned videos by a key recorded in the review manifest), so a rerun redoes only what changed and a run killed
at any moment resumes where it stopped. One failing video or language never stops the others.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipeline import devices, executors, interrupt, naming, review, steps
from pipeline.cache import Cache
from pipeline.context import STAGES, Context, ProgressFactory, Stages, no_progress
from pipeline.errors import UsageError
from pipeline.options import AUTO_SOURCE, Options
from pipeline.report import RunState, VideoResult

log = logging.getLogger(__name__)

MEDIA_SUFFIXES = frozenset([
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts", ".wmv", ".flv", ".3gp",
    ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".aiff", ".aif", ".wma",
])


def default_jobs() -> int:
    """Videos in flight at once. One Whisper model per device runs at a time anyway; the other jobs
    translate and encode beside it, so a few help even on a small CPU, and a GPU box can feed more."""
    return devices.default_jobs(devices.gpu_count(), os.cpu_count() or 2)


# --- inputs and names -------------------------------------------------------------------------------

def discover(paths: Iterable[str | os.PathLike[str]], out_dir: Path | None = None) -> list[Path]:
    """Media files from files and folders (recursively, media suffixes only, hidden files skipped).

    A file named explicitly is always taken: whether it is media is for probe to say, per file.
    """
    found: list[Path] = []
    out = out_dir.resolve() if out_dir else None
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            found.append(p.resolve())
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if (f.is_file() and f.suffix.lower() in MEDIA_SUFFIXES
                    and not any(s.startswith(".") for s in rel)
                        and not (out and out in f.resolve().parents)):
                    found.append(f.resolve())
        else:
            raise UsageError(f"{p}: no such file or folder")
    unique = list(dict.fromkeys(found))
    if not unique:
        raise UsageError(f"no media files found in {', '.join(map(str, paths)) or 'nothing'}")
    return unique


def recorded_stems(state: RunState) -> dict[str, str]:
    """stem -> the video it was given to, from the run record."""
    return {stem: r.video for stem, r in state.videos.items()}


# --- the run ----------------------------------------------------------------------------------------

def _whisper_slots(opts: Options) -> contextlib.AbstractContextManager[Any]:
    """A pool of the GPUs the device choice uses (one Whisper model each), or a plain lock (CPU, or a choice
    to be refused later)."""
    with contextlib.suppress(UsageError):
        p = devices.plan(opts.device, "default", devices.gpu_count())
        if p.kind == "cuda":
            return devices.DevicePool(p.indices)
    return threading.Lock()


def _whisper_prompt(registry: Stages, opts: Options, glossary: Any) -> str | None:
    if opts.source is None:
        return None  # the language is detected from speech; transcription picks its own prompt then
    return registry.prompt(glossary, opts.source) or None


class RecomputeCache(Cache):
    """--force: stage outputs are stored again but never read, so everything is recomputed."""

    def get(self, stage: str, key: str) -> Any | None:
        return None


@contextlib.contextmanager
def _out_dir_lock(out_dir: Path) -> Iterator[None]:
    """One run per output folder: two runs writing the same files would undo each other's work."""
    lock_path = naming.lock_path(out_dir)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{out_dir}: another run is writing here; wait for it to finish") from None
        yield


def _remove_stale_parts(out_dir: Path) -> None:
    """Temporary files left by a killed run (the lock says no other run is writing them)."""
    for folder in naming.output_folders(out_dir):
        for part in folder.glob(".*.part"):
            with contextlib.suppress(OSError):
                part.unlink()
                log.info("removed %s, left by an interrupted run", part)


def run_batch(paths: Iterable[str | os.PathLike[str]], opts: Options, *,
              stages: Mapping[str, Callable[..., Any]] | None = None, progress: ProgressFactory | None = None,
              burn_only: bool = False, notify: Callable[[str], None] | None = None) -> list[VideoResult]:
    """Run every video found in `paths`; return one result per video (failures included, never raised).

    Raises only for misuse (UsageError): no inputs, a requested translation without a package, a locked
    output folder; these are checked before any transcription.
    """
    forget_source = opts.source == AUTO_SOURCE  # detect again, and forget languages forced before
    if forget_source:
        opts = dataclasses.replace(opts, source=None)
    out_dir = Path(opts.out_dir)
    videos = discover(paths, out_dir)
    registry = STAGES.with_overrides(stages)
    if opts.translator == "whisper" and set(opts.targets or ()) - {"en"}:
        raise UsageError("--translator whisper translates speech into English only: use --targets en")
    if opts.targets and opts.translator != "whisper" and not burn_only:
        registry.preflight(opts.source, opts.targets, opts)  # a missing requested package: exit 2 now
    out_dir.mkdir(parents=True, exist_ok=True)
    executor = executors.create(opts.executor)  # a missing optional engine: exit 2 now
    try:
        executor.prepare(opts, videos)  # e.g. a cluster that cannot reach the inputs, cache or outputs
        with _out_dir_lock(out_dir):
            _remove_stale_parts(out_dir)
            cache = (RecomputeCache if opts.force else Cache)(opts.cache_dir)
            glossary = registry.load_glossary(opts.glossary)  # the one read of the glossary in a run
            ctx = Context(opts=opts, cache=cache, manifest=review.Manifest(out_dir),
                          state=RunState(out_dir), stages=registry,
                          progress=progress or no_progress, burn_only=burn_only,
                          prompt=None if burn_only else _whisper_prompt(registry, opts, glossary),
                          glossary=glossary, names=glossary.names() if glossary is not None else (),
                          forget_source=forget_source, notify=notify, whisper_lock=_whisper_slots(opts))
            stems = naming.output_stems(videos, recorded_stems(ctx.state))
            results = executor.run(ctx, [(v, stems[v]) for v in videos], opts.jobs)
            _remove_stale_parts(out_dir)  # left by a worker killed mid-write elsewhere (its retry wrote anew)
            return results
    finally:
        executor.close()


def run_in_threads(ctx: Context, work: Sequence[tuple[Path, str]], jobs: int | None) -> list[VideoResult]:
    """The local executor: each (video, stem) through `steps.process_video` in this process's threads."""
    videos = [v for v, _ in work]
    stems = dict(work)
    done: dict[Path, VideoResult] = {}

    def one(video: Path) -> None:
        done[video] = steps.process_video(ctx, video, stems[video])

    interrupt.reset()
    try:
        _in_threads(videos, one, jobs or default_jobs())
    except KeyboardInterrupt:
        raise RunInterrupted(_results_so_far(ctx, videos, stems, done), len(videos)) from None
    return [done.get(v) or _lost(v, stems[v]) for v in videos]


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C: the videos finished so far and those interrupted (recorded so); `total` were asked for."""

    def __init__(self, results: list[VideoResult], total: int) -> None:
        super().__init__()
        self.results, self.total = results, total


STOP_GRACE_S = 2.0  # how long the workers get to record where they stopped, once ffmpeg has been stopped


def _in_threads(videos: list[Path], one: Callable[[Path], None], jobs: int) -> None:
    """`one(video)` for each video in `jobs` daemon threads. The main thread only waits, so Ctrl-C reaches it
    at once, and the run can stop without waiting for a model call or an encode to end."""
    todo: queue.SimpleQueue[Path] = queue.SimpleQueue()
    for v in videos:
        todo.put(v)

    def worker() -> None:
        while not interrupt.requested():
            try:
                video = todo.get_nowait()
            except queue.Empty:
                return
            one(video)

    threads = [threading.Thread(target=worker, name=f"video-{i}", daemon=True)
               for i in range(max(1, min(jobs, len(videos))))]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.1)
    except KeyboardInterrupt:
        interrupt.request_stop()
        deadline = time.monotonic() + STOP_GRACE_S
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        raise


def _results_so_far(ctx: Context, videos: list[Path], stems: dict[Path, str],
                    done: dict[Path, VideoResult]) -> list[VideoResult]:
    """Finished videos, then those stopped mid-way, recorded as interrupted (`running` left set)."""
    results = []
    for v in videos:
        if v in done:
            results.append(done[v])
        elif (live := ctx.live.get(stems[v])) is not None:
            with contextlib.suppress(Exception):  # its worker may still be changing it: best effort
                ctx.state.save(live)
            results.append(live)
    return results


def _lost(video: Path, stem: str) -> VideoResult:
    return VideoResult(video=str(video), stem=stem,
                       error="internal error: its worker stopped without a result")
