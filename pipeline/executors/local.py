"""The local executor: videos in a thread pool of this process (one Whisper model, shared under a lock)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.options import Options
from pipeline.report import VideoResult

if TYPE_CHECKING:
    from pipeline.context import Context
    from pipeline.executors import Work


class LocalExecutor:
    def prepare(self, opts: Options, videos: Sequence[Path]) -> None:
        pass  # everything is on this machine

    def run(self, ctx: Context, work: Work, jobs: int | None) -> list[VideoResult]:
        from pipeline.batch import run_in_threads  # the thread pool, with batch's Ctrl-C handling

        return run_in_threads(ctx, work, jobs)

    def close(self) -> None:
        pass
