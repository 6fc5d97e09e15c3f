"""What a run did, per video and language: kept on disk as the run record, printed as the end summary.

The record (`<out_dir>/.pipeline/state.jsonl`, an append-only `Journal`) takes a line whenever a stage
starts or ends, so `python -m pipeline status` and a later run can tell what is done, stale, interrupted
or failed.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.journal import Journal
from pipeline.naming import run_record_path

log = logging.getLogger(__name__)

LANG_STAGES = ("translate", "write", "burn")
VIDEO_STAGES = ("transcribe", "segment")


@dataclass
class LangResult:
    lang: str
    stages: dict[str, str] = field(default_factory=dict)  # translate/write/burn -> what happened
    cues: int | None = None
    qc: str = ""
    conformity: str = ""  # % of cues within chars-per-line / reading-speed / line-count limits
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class VideoResult:
    video: str
    stem: str
    source: str | None = None
    stages: dict[str, str] = field(default_factory=dict)  # probe/transcribe/segment -> what happened
    langs: dict[str, LangResult] = field(default_factory=dict)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    running: str | None = None  # the stage in progress; left set by a run that was killed
    input: dict[str, Any] = field(default_factory=dict)  # size, mtime_ns, sha256 of the media
    forced_source: str | None = None  # the spoken language a user forced (--source): later runs keep it
    # "transcribe", "translate fr"... -> seconds
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.error is not None or any(lr.error for lr in self.langs.values())

    def lang(self, code: str) -> LangResult:
        return self.langs.setdefault(code, LangResult(code))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VideoResult:
        langs = {k: LangResult(**v) for k, v in (data.get("langs") or {}).items()}
        return cls(**{**data, "langs": langs})


class RunState:
    """The run record: one VideoResult per output stem, saved atomically on every change.

    `videos` is the record as loaded (what the previous runs left). Each save stores a snapshot of one
    result, taken by the thread that owns it, so writing the record never reads a result another thread
    is changing.
    """

    def __init__(self, out_dir: str | os.PathLike[str], shared: bool = False) -> None:
        """`shared`: other processes append to this record at the same time (see `Journal`); then the
        record is not read (`videos` starts empty: the driver of the run hands each worker its video's)."""
        self.path = run_record_path(out_dir)
        self._lock = threading.Lock()
        self._journal = Journal(self.path, shared=shared)
        self._snapshots: dict[str, dict[str, Any]] = {} if shared else self._journal.load()
        self.videos: dict[str, VideoResult] = {}
        for stem, snapshot in self._snapshots.items():
            try:
                self.videos[stem] = VideoResult.from_json(snapshot)
            except (TypeError, AttributeError) as exc:
                log.warning("%s: unreadable record of %s (%s): it starts anew", self.path, stem, exc)

    def save(self, result: VideoResult) -> None:
        """Record `result` as it is now; call it from the thread that changes `result`."""
        snapshot = result.to_json()
        with self._lock:
            self._snapshots[result.stem] = snapshot
            self._journal.put(result.stem, snapshot, self._snapshots)


def read_record(out_dir: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The run record as plain data, read without writing (safe while a run is going on)."""
    return Journal(run_record_path(out_dir)).load()


def _verdict_cell(lr: LangResult) -> str:
    if lr.error:
        return "FAILED"
    return lr.qc or "-"


def rows(results: list[VideoResult]) -> list[list[str]]:
    out = []
    for r in results:
        name = Path(r.video).name
        if (r.error or r.running) and not r.langs:
            out.append([name, r.source or "-", *(r.stages.get(s, "-") for s in VIDEO_STAGES),
                        "-", "-", "-", "-", "FAILED" if r.error else "INTERRUPTED", "-", f"{r.seconds:.1f}s"])
            continue
        for i, lr in enumerate(r.langs.values()):
            video_cells = [r.stages.get(s, "-") for s in VIDEO_STAGES] if lr.lang == r.source else ["", ""]
            out.append([name if i == 0 else "", lr.lang, *video_cells,
                        *(lr.stages.get(s, "-") for s in LANG_STAGES),
                        "-" if lr.cues is None else str(lr.cues), _verdict_cell(lr), lr.conformity or "-",
                        f"{r.seconds:.1f}s" if i == 0 else ""])
    return out


HEADER = ["video", "lang", "transcribe", "segment", "translate", "write", "burn", "cues", "QC",
          "cpl/cps/lines %", "time"]


def table(results: list[VideoResult]) -> str:
    body = rows(results)
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h) for i, h in enumerate(HEADER)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*HEADER), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row).rstrip() for row in body]
    return "\n".join(lines)


def _cause(r: VideoResult, error: str) -> str:
    return error.removeprefix(f"{r.video}: ")  # the row already names the video


def problems(results: list[VideoResult]) -> tuple[list[str], list[str]]:
    """(failures, notes): one line each, naming the video (and language) and the cause.

    A note shared by several videos (a missing translation package, say) is given once, with a count.
    """
    failures: list[str] = []
    notes: dict[str, list[str]] = {}
    for r in results:
        name = Path(r.video).name
        if r.error:
            failures.append(f"{name}: {_cause(r, r.error)}")
        if r.running:
            notes.setdefault(f"interrupted during {r.running}: the next run resumes it", []).append(name)
        for lr in r.langs.values():
            if lr.error:
                failures.append(f"{name} [{lr.lang}]: {_cause(r, lr.error)}")
            for n in lr.notes:
                notes.setdefault(n, []).append(f"{name} [{lr.lang}]")
        for n in r.notes:
            notes.setdefault(n, []).append(name)
    lines = [f"{where[0]}: {n}" if len(where) == 1 else f"{n} ({len(where)} videos: {', '.join(where[:3])}"
             f"{', ...' if len(where) > 3 else ''})" for n, where in notes.items()]
    return failures, lines


def stage_times(results: list[VideoResult]) -> dict[str, float]:
    """Seconds per stage over all videos ("translate fr" and "translate en" count as "translate")."""
    totals: dict[str, float] = {}
    for r in results:
        for stage, secs in r.stage_seconds.items():
            kind = stage.split()[0]
            totals[kind] = totals.get(kind, 0.0) + secs
    return totals


def summary(results: list[VideoResult], total: int | None = None) -> str:
    """The end-of-run table and counts; `total` > len(results) when a
    stopped run never started some videos."""
    failures, notes = problems(results)
    stopped = sum(bool(r.running) for r in results)
    ok = sum(not r.failed and not r.running for r in results)
    total = len(results) if total is None else total
    count = f"{ok} of {total} video(s) complete, {sum(r.failed for r in results)} with failures"
    if stopped or total > len(results):
        count += f", {stopped} interrupted, {total - len(results)} not started"
    parts = [table(results), "", count + "."]
    if times := stage_times(results):
        parts.append("Time per stage: " + ", ".join(f"{stage} {secs:.1f} s" for stage, secs in times.items()))
    if failures:
        parts += ["", "Failures:", *(f"  {f}" for f in failures)]
    if notes:
        parts += ["", "Notes:", *(f"  {n}" for n in notes)]
    return "\n".join(parts)
