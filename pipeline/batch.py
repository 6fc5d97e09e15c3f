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
import hashlib
import importlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipeline import interrupt, review, steps
from pipeline.cache import Cache
from pipeline.errors import UsageError
from pipeline.options import AUTO_SOURCE, Options
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
    glossary: Any = None  # the campaign glossary, read once here and handed to every stage that needs it
    names: tuple[str, ...] = ()  # its names: never split, never re-punctuated (in every profile)
    whisper_lock: threading.Lock = field(default_factory=threading.Lock)
    live: dict[str, VideoResult] = field(default_factory=dict)  # stem -> its result, from its first stage on
    forget_source: bool = False  # --source auto: languages forced for videos in earlier runs are forgotten
    notify: Callable[[str], None] | None = None  # one line per finished stage and video (logs, `| tee`)
    _started: dict[str, tuple[str, float]] = field(default_factory=dict)  # stem -> (stage, start time)

    def source_for(self, previous: VideoResult | None) -> tuple[str | None, Options, str | None]:
        """(forced language, options, Whisper prompt) for one video: --source, else the language a user
        forced for this video in an earlier run (remembered in its record), else None (detect)."""
        remembered = None if self.forget_source or previous is None else previous.forced_source
        if self.opts.source is not None or remembered is None:
            return self.opts.source, self.opts, self.prompt
        opts = dataclasses.replace(self.opts, source=remembered)
        return remembered, opts, _whisper_prompt(self.stages, opts, self.glossary)

    def begin(self, result: VideoResult, stage: str) -> None:
        """Record the stage about to run (what `status` shows for a run killed here); stop here on Ctrl-C."""
        self._end_stage(result)
        result.running = stage
        self.live[result.stem] = result
        self._started[result.stem] = (stage, time.perf_counter())
        interrupt.check()
        self.state.save(result)

    def finish(self, result: VideoResult) -> None:
        """The video is done (or failed): its last stage's time, and a line for logs."""
        self._end_stage(result)
        if self.notify is not None:
            verdict = "FAILED" if result.failed else "done"
            self.notify(f"{Path(result.video).name}: {verdict} in {result.seconds:.1f} s")

    def _end_stage(self, result: VideoResult) -> None:
        started = self._started.pop(result.stem, None)
        if started is None:
            return
        stage, t0 = started
        secs = time.perf_counter() - t0
        result.stage_seconds[stage] = round(result.stage_seconds.get(stage, 0.0) + secs, 2)
        if self.notify is not None:
            self.notify(f"{Path(result.video).name}: {stage} finished ({secs:.1f} s)")

    def stage(self, name: str) -> Callable[..., Any]:
        return self.stages[name]


def _whisper_prompt(registry: dict[str, Callable[..., Any]], opts: Options, glossary: Any) -> str | None:
    if opts.source is None:
        return None  # the language is detected from speech; transcription picks its own prompt then
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
    registry = {**STAGES, **(stages or {})}
    if opts.translator == "whisper" and set(opts.targets or ()) - {"en"}:
        raise UsageError("--translator whisper translates speech into English only: use --targets en")
    if opts.targets and opts.translator != "whisper" and not burn_only:
        registry["preflight"](opts.source, opts.targets, opts)  # a missing requested package: exit 2 now
    out_dir.mkdir(parents=True, exist_ok=True)
    with _out_dir_lock(out_dir):
        _remove_stale_parts(out_dir)
        cache = (RecomputeCache if opts.force else Cache)(opts.cache_dir)
        glossary = registry["load_glossary"](opts.glossary)  # the one read of the glossary in a run
        ctx = Context(opts=opts, cache=cache, manifest=review.Manifest(out_dir),
                      state=RunState(out_dir), stages=registry,
                      progress=progress or (lambda label, total: _NoProgress()), burn_only=burn_only,
                      prompt=None if burn_only else _whisper_prompt(registry, opts, glossary),
                      glossary=glossary, names=glossary.names() if glossary is not None else (),
                      forget_source=forget_source, notify=notify)
        stems = output_stems(videos, recorded_stems(ctx.state))
        done: dict[Path, VideoResult] = {}

        def one(video: Path) -> None:
            done[video] = steps.process_video(ctx, video, stems[video])

        interrupt.reset()
        try:
            _in_threads(videos, one, opts.jobs or default_jobs())
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
    return VideoResult(video=str(video), stem=stem, error="internal error: its worker stopped without a result")
