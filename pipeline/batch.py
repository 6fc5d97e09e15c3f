"""A batch run: every video x stage x language, resumable, isolated, in parallel.

Stages (transcribe, segment, translate, write, burn) are looked up in a small registry so tests can swap in
fakes. Expensive outputs are cached by content (transcripts and translated sentences in `pipeline.cache`,
burned videos by a key recorded in the review manifest), so a rerun redoes only what changed and a run killed
at any moment resumes where it stopped. One failing video or language never stops the others.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pipeline import executors, naming, review
from pipeline.cache import Cache
from pipeline.context import STAGES, Context, ProgressFactory, Stages, no_progress
from pipeline.errors import UsageError
from pipeline.options import Options
from pipeline.report import RunState, VideoResult

log = logging.getLogger(__name__)

MEDIA_SUFFIXES = frozenset([
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts", ".wmv", ".flv", ".3gp",
    ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".aiff", ".aif", ".wma",
])


def default_jobs() -> int:
    """Videos in flight at once. One Whisper model per device runs at a time anyway; the other jobs
    translate and encode beside it, so a few help even on a small CPU, and a GPU box can feed more."""
    cores = os.cpu_count() or 2
    gpu = 0
    with contextlib.suppress(Exception):
        import ctranslate2

        gpu = ctranslate2.get_cuda_device_count()
    return max(2, min(8 if gpu else 4, cores // 2))


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
                if (f.is_file() and f.suffix.lower() in MEDIA_SUFFIXES and not any(s.startswith(".") for s in rel)
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

def _whisper_prompt(registry: Stages, opts: Options) -> str | None:
    if opts.source is None:
        return None  # the language is detected from speech; transcription picks its own prompt then
    glossary = registry.load_glossary(opts.glossary)
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
              burn_only: bool = False) -> list[VideoResult]:
    """Run every video found in `paths`; return one result per video (failures included, never raised).

    Raises only for misuse (UsageError): no inputs, a requested translation without a package, a locked
    output folder; these are checked before any transcription.
    """
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
            ctx = Context(opts=opts, cache=cache, manifest=review.Manifest(out_dir),
                          state=RunState(out_dir), stages=registry,
                          progress=progress or no_progress, burn_only=burn_only,
                          prompt=None if burn_only else _whisper_prompt(registry, opts))
            stems = naming.output_stems(videos, recorded_stems(ctx.state))
            results = executor.run(ctx, [(v, stems[v]) for v in videos], opts.jobs)
            _remove_stale_parts(out_dir)  # left by a worker killed mid-write elsewhere (its retry wrote anew)
            return results
    finally:
        executor.close()
