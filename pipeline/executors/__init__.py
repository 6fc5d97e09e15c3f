"""Executors: who runs the videos of a batch. `local` (a thread pool in this process) or `ray` (a cluster).

The batch finds the inputs, takes the output-folder lock and builds the run context; an executor only hands
each (video, stem) to `steps.process_video` somewhere and gives back one `VideoResult` per video, in order.
A stage never knows which executor runs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pipeline.errors import UsageError
from pipeline.options import Options
from pipeline.report import VideoResult

if TYPE_CHECKING:
    from pipeline.context import Context

Work = Sequence[tuple[Path, str]]  # (video, output stem), in the order results are wanted


class Executor(Protocol):
    def prepare(self, opts: Options, videos: Sequence[Path]) -> None:
        """Misuse and unreachable resources: raise UsageError now, before any work (and before the lock)."""

    def run(self, ctx: Context, work: Work, jobs: int | None) -> list[VideoResult]:
        """Process every video; failures are in the results, never raised (KeyboardInterrupt excepted)."""

    def close(self) -> None:
        """Release what `prepare` took (threads, cluster connection)."""


# name -> "module:class"; imported on demand so an optional engine costs nothing unless asked for.
EXECUTORS: dict[str, str] = {
    "local": "pipeline.executors.local:LocalExecutor",
    "ray": "pipeline.executors.ray:RayExecutor",
}


def create(name: str) -> Executor:
    """The executor registered as `name`; UsageError (exit 2) for an unknown name or a missing package."""
    try:
        target = EXECUTORS[name]
    except KeyError:
        raise UsageError(f"--executor {name}: choose one of {', '.join(EXECUTORS)}") from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)()
