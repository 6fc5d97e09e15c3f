"""The local executor: videos in a thread pool of this process (one Whisper model, shared under a lock)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import steps
from pipeline.options import Options
from pipeline.report import VideoResult

if TYPE_CHECKING:
    from pipeline.context import Context
    from pipeline.executors import Work


class LocalExecutor:
    def prepare(self, opts: Options, videos: Sequence[Path]) -> None:
        pass  # everything is on this machine

    def run(self, ctx: Context, work: Work, jobs: int | None) -> list[VideoResult]:
        from pipeline.batch import default_jobs

        def one(item: tuple[Path, str]) -> VideoResult:
            return steps.process_video(ctx, *item)

        jobs = jobs or default_jobs()
        if jobs == 1:
            return [one(item) for item in work]
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="video") as pool:
            return list(pool.map(one, work))

    def close(self) -> None:
        pass
