"""What every job of one run shares: the run context, progress types and the typed stage registry.

A leaf of the "running" layer: `batch` makes the context and `steps` uses it, and neither imports the other
for it. Each stage is typed by a Protocol spelling the call `steps` makes, so a fake (tests) or another
implementation (an executor) that drifts from the real signature is caught (tests/test_structure.py checks
the real stages and the test fakes against these). Stages are imported on first use, by name, so building a
registry loads no model and no ffmpeg binding.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipeline import interrupt
from pipeline.options import Options
from pipeline.types import Cue, Transcript, Word

if TYPE_CHECKING:  # types only: the context never calls these modules
    from pipeline.cache import Cache
    from pipeline.glossary import Glossary
    from pipeline.media import MediaInfo
    from pipeline.packages import Package
    from pipeline.profiles import Profile
    from pipeline.qc import Finding
    from pipeline.report import RunState, VideoResult
    from pipeline.review import Manifest
    from pipeline.translate import TranslationResult


@dataclass(frozen=True)
class Track:
    """One language's final cues and the sha256 of the SRT text they came from (what burns are keyed on)."""

    cues: tuple[Cue, ...]
    sha256: str


# --- progress ----------------------------------------------------------------------------------------

class ProgressHandle(Protocol):
    def __call__(self, done_ms: int, total_ms: int) -> None: ...
    def close(self) -> None: ...


ProgressFactory = Callable[[str, int], ProgressHandle]  # (label, total audio ms) -> a handle


class NoProgress:
    def __call__(self, done_ms: int, total_ms: int) -> None:
        pass

    def close(self) -> None:
        pass


def no_progress(label: str, total_ms: int) -> ProgressHandle:
    return NoProgress()


# --- stages: one Protocol per call steps makes ---------------------------------------------------------

class Probe(Protocol):
    def __call__(self, path: Path) -> MediaInfo: ...


class CachedTranscript(Protocol):
    def __call__(self, path: Path, opts: Options, cache: Cache, *, prompt: str | None = None,
                 media_sha256: str | None = None) -> Transcript | None: ...


class Transcribe(Protocol):
    def __call__(self, path: Path, opts: Options, cache: Cache, *, on_progress: ProgressHandle | None = None,
                 prompt: str | None = None, media_sha256: str | None = None) -> tuple[Transcript, bool]: ...


class WhisperPrompt(Protocol):
    def __call__(self, glossary: Glossary, lang: str | None) -> str: ...


class LoadGlossary(Protocol):
    def __call__(self, path: Path | None = None) -> Glossary: ...


class Segment(Protocol):
    def __call__(self, words: Sequence[Word], profile: Profile) -> list[Cue]: ...


class Preflight(Protocol):
    def __call__(self, src: str | None, targets: Sequence[str] | None,
                 opts: Options) -> Mapping[str, tuple[Package, ...]]: ...


class MissingMessage(Protocol):
    def __call__(self, src: str, tgt: str, opts: Options) -> str: ...


class Translate(Protocol):
    """`opts.preset` is the video's concrete preset (never "auto") from here on."""

    def __call__(self, cues: Sequence[Cue], src: str, tgt: str, opts: Options,
                 cache: Cache | None = None, *, glossary: Glossary | None = None) -> TranslationResult: ...


class WhisperTranslate(Protocol):
    def __call__(self, path: Path, opts: Options, tgt: str = "en", *,
                 cache: Cache | None = None, glossary: Glossary | None = None) -> list[Cue]: ...


class Check(Protocol):
    def __call__(self, cues: Sequence[Cue], profile: Profile) -> Sequence[Finding]: ...


class Burn(Protocol):
    def __call__(self, video: Path, tracks: Mapping[str, Sequence[Cue]], outputs: Mapping[str, Path],
                 opts: Options, *, on_progress: ProgressHandle | None = None) -> None: ...


def _lazy(module: str, name: str) -> Any:
    """A stage implemented in another module, imported on first use (keeps start-up and fakes cheap)."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    call.__name__ = f"{module}.{name}"
    call.target = (module, name)  # type: ignore[attr-defined]
    return call


@dataclass(frozen=True)
class Stages:
    """The stage registry. `with_overrides` swaps some (tests pass fakes); an unknown name is a TypeError."""

    probe: Probe = _lazy("pipeline.media", "probe")
    transcribe: Transcribe = _lazy("pipeline.asr", "transcribe_cached")
    cached_transcript: CachedTranscript = _lazy("pipeline.asr", "cached_transcript")
    prompt: WhisperPrompt = _lazy("pipeline.glossary", "whisper_prompt")
    load_glossary: LoadGlossary = _lazy("pipeline.glossary", "load")
    segment: Segment = _lazy("pipeline.segment", "segment")
    preflight: Preflight = _lazy("pipeline.packages", "preflight")
    missing_message: MissingMessage = _lazy("pipeline.packages", "missing_for")
    translate: Translate = _lazy("pipeline.translate", "translate_cues")
    whisper_translate: WhisperTranslate = _lazy("pipeline.translate", "whisper_to_english")
    qc: Check = _lazy("pipeline.qc", "check_cues")
    burn: Burn = _lazy("pipeline.burn", "burn")

    def with_overrides(self, overrides: Mapping[str, Callable[..., Any]] | None) -> Stages:
        return replace(self, **dict(overrides or {}))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


STAGES = Stages()


@dataclass
class Context:
    """What every job of one run shares."""

    opts: Options
    cache: Cache
    manifest: Manifest
    state: RunState
    stages: Stages = STAGES
    progress: ProgressFactory = no_progress
    burn_only: bool = False
    prompt: str | None = None  # Whisper's initial prompt (campaign names from the glossary)
    glossary: Glossary | None = None  # the campaign glossary, read once per run and handed to every stage
    names: tuple[str, ...] = ()  # its names: never split, never re-punctuated (in every profile)
    whisper_lock: threading.Lock = field(default_factory=threading.Lock)
    live: dict[str, VideoResult] = field(default_factory=dict)  # stem -> its result, from its first stage on
    forget_source: bool = False  # --source auto: languages forced for videos in earlier runs are forgotten
    notify: Callable[[str], None] | None = None  # one line per finished stage and video (logs, `| tee`)
    _started: dict[str, tuple[str, float]] = field(default_factory=dict)  # stem -> (stage, start time)

    @property
    def out_dir(self) -> Path:
        return Path(self.opts.out_dir)

    def source_for(self, previous: VideoResult | None) -> tuple[str | None, Options, str | None]:
        """(forced language, options, Whisper prompt) for one video: --source, else the language a user
        forced for this video in an earlier run (remembered in its record), else None (detect)."""
        remembered = None if self.forget_source or previous is None else previous.forced_source
        if self.opts.source is not None or remembered is None:
            return self.opts.source, self.opts, self.prompt
        opts = replace(self.opts, source=remembered)
        return remembered, opts, self.stages.prompt(self.glossary, remembered) or None

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
