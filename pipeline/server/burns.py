"""Re-burning from the page, in the background, on the code path of `make burn` (`run --burn-only`)."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from pipeline.server.library import Library, Video

log = logging.getLogger(__name__)


@dataclass
class BurnJob:
    state: str = "idle"  # idle | running | done | failed
    message: str = ""
    started: float = 0.0
    finished: float = 0.0
    langs: list[str] = dataclasses.field(default_factory=list)
    done_ms: int = 0  # of the video encoded so far, as ffmpeg reports it
    total_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        end = self.finished or (time.monotonic() if self.state == "running" else self.started)
        percent = round(100 * min(self.done_ms, self.total_ms) / self.total_ms) if self.total_ms else None
        return {"state": self.state, "message": self.message, "seconds": round(end - self.started, 1),
                "langs": self.langs, "percent": percent}


class _JobProgress:
    """The run's progress handle for the burn: what ffmpeg has encoded, kept on the job the page polls."""

    def __init__(self, job: BurnJob) -> None:
        self.job = job

    def __call__(self, done_ms: int, total_ms: int) -> None:
        self.job.done_ms, self.job.total_ms = done_ms, total_ms

    def close(self) -> None:
        pass


class Burns:
    """Re-burns one video at a time per video, on the code path of `make burn` (`run --burn-only`)."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.jobs: dict[str, BurnJob] = {}
        self._lock = threading.Lock()

    def status(self, video_id: str) -> dict[str, Any]:
        self.library.video(video_id)
        with self._lock:
            return (self.jobs.get(video_id) or BurnJob()).to_json()

    def start(self, video_id: str) -> dict[str, Any]:
        video = self.library.video(video_id)
        with self._lock:
            job = self.jobs.get(video_id)
            if job and job.state == "running":
                return job.to_json()
            job = self.jobs[video_id] = BurnJob("running", "burning", time.monotonic())
        threading.Thread(target=self._run, args=(video, job), daemon=True, name=f"burn-{video_id}").start()
        return job.to_json()

    def _run(self, video: Video, job: BurnJob) -> None:
        from pipeline.batch import run_batch

        opts = dataclasses.replace(self.library.opts, burn=True, jobs=1, progress=False, force=False)
        try:
            results = run_batch([video.path], opts, burn_only=True,
                                progress=lambda label, total: _JobProgress(job))
            r = results[0]
            errors = [r.error] if r.error else [f"{lg}: {lr.error}" for lg, lr in r.langs.items() if lr.error]
            job.langs = [lg for lg, lr in r.langs.items() if lr.stages.get("burn") in ("done", "up to date")]
            job.state, job.message = (("failed", "; ".join(errors)) if errors
                                      else ("done", "burned: " + ", ".join(
                                          f"{lg} ({r.langs[lg].stages.get('burn')})" for lg in job.langs)))
        except Exception as exc:  # a locked output folder, a missing font: shown on the page, server goes on
            job.state, job.message = "failed", str(exc)
            log.warning("burn of %s failed: %s", video.id, exc)
        job.finished = time.monotonic()
