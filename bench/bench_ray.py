"""The Ray executor's overhead: the same 6-video batch on the local executor and on a 2-worker Ray cluster.

Inputs: bench_batch's six short videos (no translation, burning on). The cluster is two Ray nodes of one
CPU each on this machine (`ray.cluster_utils.Cluster`), so both runs have the same two cores: the ratio
is what the engine costs (task and actor start-up, object transfers, the storage check), not a speed-up. Each
run is a fresh `python -m pipeline run` process with its own cache and output folder; the cluster's
start-up is timed apart.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from bench.bench_batch import _inputs
from bench.common import timed_subprocess

RUN = "import sys\nfrom pipeline.cli import main\nrc = main(sys.argv[1:])\nassert rc == 0, rc\n"
STORE = 80 * 1024 * 1024


def _run(videos: Path, work: Path, name: str, *extra: str) -> float:
    args = ["-q", "run", str(videos), "-o", str(work / name / "out"), "--cache-dir",
            str(work / name / "cache"), "--targets", "", "--no-progress", *extra]
    return timed_subprocess(RUN, *args)[0]


def main(workdir: Path) -> str:
    import ray
    from ray.cluster_utils import Cluster

    from pipeline.batch import default_jobs

    if workdir.exists():
        shutil.rmtree(workdir)
    videos = workdir / "videos"
    audio_s = _inputs(videos)
    local = _run(videos, workdir, "local")
    started = time.perf_counter()
    node = {"num_cpus": 1, "object_store_memory": STORE}
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    try:
        cluster.add_node(**node)
        cluster.wait_for_nodes()
        startup = time.perf_counter() - started
        on_ray = _run(videos, workdir, "ray", "--executor", "ray", "--ray-address", cluster.address)
    finally:
        ray.shutdown()
        cluster.shutdown()
    same = all((workdir / "ray" / "out" / p.name).read_bytes() == p.read_bytes()
               for p in (workdir / "local" / "out").glob("*.srt"))
    return "\n".join([
        f"6 videos, {audio_s:.1f} s of media (no translation, burning on); the same two cores both times.",
        "",
        "| run | wall s | ratio |",
        "|---|---|---|",
        f"| local executor (default jobs) | {local:.1f} | 1.00 |",
        f"| Ray, 2 worker nodes x 1 CPU (driver joins by address) | {on_ray:.1f} | {on_ray / local:.2f} |",
        f"| (starting that 2-node cluster, not in the run) | {startup:.1f} | |",
        "",
        f"SRTs identical between the two runs: {'yes' if same else 'NO'}.",
        "",
        f"Difference: {on_ray - local:+.1f} s over the batch ({(on_ray - local) / 6:+.1f} s a video; local "
        f"ran {default_jobs()} videos at once, Ray up to {2 + 1} with translation and burning in their own "
        "processes beside the Whisper actor, so a negative difference means the engine's cost is lost in "
        "what its scheduling gains; timings on this shared machine vary by about 30% run to run). "
        "With N GPUs: one Whisper actor (one model) per GPU, so N videos transcribe at once; a long batch "
        "takes about 1/N of one GPU box's time plus that cost, as long as the nodes have the cores to "
        "translate and burn beside the GPUs (about 2 per GPU; burns use NVENC, half a GPU each, where "
        "present).",
    ])
