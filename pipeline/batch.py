"""A batch run: every video x stage x language, resumable, isolated, in parallel.

Stages (transcribe, segment, translate, write, burn) are looked up in a small registry so tests can swap in
fakes. Expensive outputs are cached by content (transcripts and translated sentences in `pipeline.cache`,
burned videos by a key recorded in the review manifest), so a rerun redoes only what changed and a run killed
at any moment resumes where it stopped. One failing video or language never stops the others.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipeline import executors, review
from pipeline.cache import Cache
from pipeline.errors import UsageError
from pipeline.options import Options
from pipeline.report import RunState, VideoResult

log = logging.getLogger(__name__)

MEDIA_SUFFIXES = frozenset([
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts", ".wmv", ".flv", ".3gp",
    ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".aiff", ".aif", ".wma",
])
MAX_STEM_BYTES = 180  # leaves room for ".<lang>.mp4" and the temp-file prefix/suffix within 255 bytes


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """A stage implemented in another module, imported on first use (keeps start-up and fakes cheap)."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    call.__name__ = f"{module}.{name}"
    return call


# The stage registry. Tests pass a dict with some entries replaced.
STAGES: dict[str, Callable[..., Any]] = {
    "probe": _lazy("pipeline.media", "probe"),
    "transcribe": _lazy("pipeline.asr", "transcribe_cached"),
    "cached_transcript": _lazy("pipeline.asr", "cached_transcript"),
    "prompt": _lazy("pipeline.glossary", "whisper_prompt"),
    "load_glossary": _lazy("pipeline.glossary", "load"),
    "segment": _lazy("pipeline.segment", "segment"),
    "preflight": _lazy("pipeline.packages", "preflight"),
    "missing_message": _lazy("pipeline.packages", "missing_for"),
    "translate": _lazy("pipeline.translate", "translate_cues"),
    "whisper_translate": _lazy("pipeline.translate", "whisper_to_english"),
    "qc": _lazy("pipeline.qc", "check_cues"),
    "burn": _lazy("pipeline.burn", "burn"),
}


class ProgressHandle(Protocol):
    def __call__(self, done_ms: int, total_ms: int) -> None: ...
    def close(self) -> None: ...


ProgressFactory = Callable[[str, int], ProgressHandle]


class _NoProgress:
    def __call__(self, done_ms: int, total_ms: int) -> None:
        pass

    def close(self) -> None:
        pass


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


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def safe_stem(stem: str) -> str:
    """The original stem where the filesystem allows: undecodable bytes and over-long names are replaced."""
    clean = stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\ufffd", "_")
    clean = clean.replace("\n", "_").replace("\r", "_")
    data = clean.encode("utf-8")
    if clean != stem or len(data) > MAX_STEM_BYTES:
        clean = data[:MAX_STEM_BYTES - 9].decode("utf-8", "ignore") + "-" + _short_hash(stem)
    return clean or _short_hash(stem)


def output_stems(videos: list[Path], recorded: Mapping[str, str] | None = None) -> dict[Path, str]:
    """A unique output stem per video, stable across runs whatever subset each run is given.

    `recorded` maps the stems of the run record to the video they were given to. A video keeps its
    recorded stem; otherwise it gets its own name unless that is taken (recorded for another video, or
    given to another video of this run), and then its name plus a hash of its path.
    """
    recorded = dict(recorded or {})
    stems: dict[Path, str] = {}
    by_path = {path: stem for stem, path in recorded.items()}
    taken = {stem.casefold() for stem in recorded}
    for v in sorted(videos):
        if str(v) in by_path:
            stems[v] = by_path[str(v)]
    for v in sorted(videos):
        if v in stems:
            continue
        s = safe_stem(v.stem)
        if s.casefold() in taken:
            s = f"{s}-{_short_hash(str(v))}"
        taken.add(s.casefold())
        stems[v] = s
    return stems


def recorded_stems(state: RunState) -> dict[str, str]:
    """stem -> the video it was given to, from the run record."""
    return {stem: r.video for stem, r in state.videos.items()}


# --- the run ----------------------------------------------------------------------------------------

@dataclass
class Context:
    """What every job of one run shares."""

    opts: Options
    cache: Cache
    manifest: review.Manifest
    state: RunState
    stages: dict[str, Callable[..., Any]]
    progress: ProgressFactory
    burn_only: bool = False
    prompt: str | None = None  # Whisper's initial prompt (campaign names from the glossary)
    whisper_lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, result: VideoResult, stage: str) -> None:
        """Record the stage about to run (what `status` shows for a run killed here)."""
        result.running = stage
        self.state.save(result)

    def stage(self, name: str) -> Callable[..., Any]:
        return self.stages[name]


def _whisper_prompt(registry: dict[str, Callable[..., Any]], opts: Options) -> str | None:
    if opts.source is None:
        return None  # the language is detected from speech; transcription picks its own prompt then
    glossary = registry["load_glossary"](opts.glossary)
    return registry["prompt"](glossary, opts.source) or None


class RecomputeCache(Cache):
    """--force: stage outputs are stored again but never read, so everything is recomputed."""

    def get(self, stage: str, key: str) -> Any | None:
        return None


@contextlib.contextmanager
def _out_dir_lock(out_dir: Path) -> Iterator[None]:
    """One run per output folder: two runs writing the same files would undo each other's work."""
    lock_path = out_dir / review.STATE_DIR / "lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{out_dir}: another run is writing here; wait for it to finish") from None
        yield


def _remove_stale_parts(out_dir: Path) -> None:
    """Temporary files left by a killed run (the lock says no other run is writing them)."""
    for folder in (out_dir, out_dir / "social", out_dir / review.STATE_DIR):
        for part in folder.glob(".*.part"):
            with contextlib.suppress(OSError):
                part.unlink()
                log.info("removed %s, left by an interrupted run", part)


def run_batch(paths: Iterable[str | os.PathLike[str]], opts: Options, *,
              stages: dict[str, Callable[..., Any]] | None = None, progress: ProgressFactory | None = None,
              burn_only: bool = False) -> list[VideoResult]:
    """Run every video found in `paths`; return one result per video (failures included, never raised).

    Raises only for misuse (UsageError): no inputs, a requested translation without a package, a locked
    output folder; these are checked before any transcription.
    """
    out_dir = Path(opts.out_dir)
    videos = discover(paths, out_dir)
    registry = {**STAGES, **(stages or {})}
    if opts.translator == "whisper" and set(opts.targets or ()) - {"en"}:
        raise UsageError("--translator whisper translates speech into English only: use --targets en")
    if opts.targets and opts.translator != "whisper" and not burn_only:
        registry["preflight"](opts.source, opts.targets, opts)  # a missing requested package: exit 2 now
    out_dir.mkdir(parents=True, exist_ok=True)
    executor = executors.create(opts.executor)  # a missing optional engine: exit 2 now
    try:
        executor.prepare(opts, videos)  # e.g. a cluster that cannot reach the inputs, cache or outputs
        with _out_dir_lock(out_dir):
            _remove_stale_parts(out_dir)
            cache = (RecomputeCache if opts.force else Cache)(opts.cache_dir)
            ctx = Context(opts=opts, cache=cache, manifest=review.Manifest(out_dir),
                          state=RunState(out_dir), stages=registry,
                          progress=progress or (lambda label, total: _NoProgress()), burn_only=burn_only,
                          prompt=None if burn_only else _whisper_prompt(registry, opts))
            stems = output_stems(videos, recorded_stems(ctx.state))
            results = executor.run(ctx, [(v, stems[v]) for v in videos], opts.jobs)
            _remove_stale_parts(out_dir)  # left by a worker killed mid-write elsewhere (its retry wrote anew)
            return results
    finally:
        executor.close()
