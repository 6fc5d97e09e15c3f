"""Batch runs: a rerun with nothing changed against the first run, and `--jobs 1` against the default.

Inputs: six short videos (the GRID clips and the Arabic sample, each also remuxed with a different tag so
every file has its own content hash). No translation (package-free), burning on with the default encoder
settings. Each run is a fresh `python -m pipeline run` process with its own cache and output folder.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bench.common import MEDIA, ROOT, timed_subprocess

RUN = "import sys\nfrom pipeline.cli import main\nrc = main(sys.argv[1:])\nassert rc == 0, rc\n"
SOURCES = [MEDIA / "video" / "en_grid_bbaf2n.mpg", MEDIA / "video" / "en_grid_lwbsza.mpg",
           ROOT / "videos" / "sample_ar.mp4"]


def _inputs(folder: Path) -> float:
    """Six distinct short videos; returns their total duration in seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, src in enumerate(SOURCES):
        shutil.copy(src, folder / f"v{i}a{src.suffix}")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-c", "copy", "-metadata",
                        f"comment=copy {i}", str(folder / f"v{i}b{src.suffix}")], check=True)
    total = 0.0
    for f in folder.iterdir():
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                              str(f)],
                             capture_output=True, text=True, check=True).stdout
        total += float(out.strip())
    return total


def _run(videos: Path, work: Path, name: str, *extra: str) -> tuple[float, int]:
    args = ["-q", "run", str(videos), "-o", str(work / name / "out"), "--cache-dir",
            str(work / name / "cache"), "--targets", "", "--no-progress", *extra]
    wall, peak, _ = timed_subprocess(RUN, *args)
    return wall, peak


def main(workdir: Path) -> str:
    if workdir.exists():
        shutil.rmtree(workdir)
    videos = workdir / "videos"
    audio_s = _inputs(videos)
    first, first_peak = _run(videos, workdir, "default")
    rerun, rerun_peak = _run(videos, workdir, "default")
    # Fresh runs, interleaved and repeated (best of 2): the machine's load varies more than the effect.
    serial = parallel = float("inf")
    for i in range(2):
        serial = min(serial, _run(videos, workdir, f"serial{i}", "--jobs", "1")[0])
        parallel = min(parallel, _run(videos, workdir, f"parallel{i}")[0])
    from pipeline.batch import default_jobs

    return "\n".join([
        f"6 videos, {audio_s:.1f} s of media in all (no translation, burning on); "
        f"default --jobs = {default_jobs()} on this machine.",
        "",
        "| run | wall s | peak RSS MiB | ratio |",
        "|---|---|---|---|",
        f"| first run (default jobs) | {first:.1f} | {first_peak} | 1.00 |",
        f"| rerun, nothing changed | {rerun:.2f} | {rerun_peak} | {rerun / first:.3f} of the first run |",
        f"| fresh run --jobs 1 (best of 2) | {serial:.1f} | | 1.00 |",
        f"| fresh run default jobs (best of 2) | {parallel:.1f} | | {serial / parallel:.2f}x the speed of "
        f"--jobs 1 |",
    ])
