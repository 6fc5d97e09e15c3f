"""`--executor ray`: the same batch on a real two-node Ray cluster on this machine, against a local run.

One cluster (two nodes of one CPU each, started by `ray.cluster_utils.Cluster`) serves every test here, so the
suite pays its start-up once. Real ffmpeg, the real Whisper model, real media.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from argos_fixture import tiny_models
from ray.cluster_utils import Cluster

from pipeline import batch
from pipeline.cli import main
from pipeline.executors import ray as ray_executor
from pipeline.media import probe
from pipeline.options import Options

ROOT = Path(__file__).resolve().parent.parent
STORE = 80 * 1024 * 1024  # object store per node: only small results travel


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    node = {"num_cpus": 1, "object_store_memory": STORE}
    c = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    c.add_node(**node)
    c.wait_for_nodes()
    ray.init(address=c.address, logging_level="WARNING", log_to_driver=False)
    try:
        yield c
    finally:
        ray.shutdown()
        c.shutdown()


@pytest.fixture(scope="module")
def clips(media: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two short real videos: English (GRID) and Arabic (the sample)."""
    folder = tmp_path_factory.mktemp("clips")
    shutil.copy(media / "video" / "en_grid_bbaf2n.mpg", folder)
    shutil.copy(ROOT / "videos" / "sample_ar.mp4", folder)
    return folder


def _ray_workers(title: str) -> list[int]:
    """Pids of the Ray worker processes running `title`: Ray titles each worker after what it runs
    (`ray::WhisperActor.call` while the actor transcribes, `ray::_video_task` for a video)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if proc.name.isdigit() and cmd.startswith(title):
            pids.append(int(proc.name))
    return sorted(pids)


class _Killer(threading.Thread):
    """Kills the Whisper actor in the middle of a transcription, then a worker running a video task."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.killed: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        for what, title, settle in (("whisper", "ray::WhisperActor.call", 1.0),
                                    ("video", "ray::_video_task", 0)):
            while not self.stop.is_set():
                pids = _ray_workers(title)
                if pids:
                    time.sleep(settle)  # well into the transcription (model loaded, decoding)
                    if pids[0] in _ray_workers(title):
                        os.kill(pids[0], signal.SIGKILL)
                        self.killed.append(what)
                        break
                time.sleep(0.05)


class _Bar:
    def __init__(self, log: list[tuple[int, int]], closed: list[int]) -> None:
        self.log, self._closed = log, closed

    def __call__(self, done_ms: int, total_ms: int) -> None:
        self.log.append((done_ms, total_ms))

    def close(self) -> None:
        self._closed.append(1)


class Progress:
    def __init__(self) -> None:
        self.bars: dict[str, list[tuple[int, int]]] = {}
        self.closed: list[int] = []
        self.opened = 0

    def __call__(self, label: str, total_ms: int) -> _Bar:
        self.opened += 1
        return _Bar(self.bars.setdefault(label, []), self.closed)


def _duration_ms(path: Path) -> int:
    return probe(path).duration_ms


@pytest.mark.slow
def test_killed_workers_are_survived_and_outputs_match_a_local_run(cluster: Cluster, clips: Path,
                                                                    tmp_path: Path) -> None:
    # Tiny real Argos packages: en->ar and ar->en, run as translation tasks on the cluster.
    common = dict(targets=("ar", "en"), models_dir=tiny_models(), progress=False)
    local = batch.run_batch([clips], Options(out_dir=tmp_path / "local", cache_dir=tmp_path / "c1", **common))
    assert not any(r.failed for r in local)

    killer, progress = _Killer(), Progress()
    killer.start()
    try:
        remote = batch.run_batch([clips], Options(out_dir=tmp_path / "ray", cache_dir=tmp_path / "c2",
                                                  executor="ray", **common), progress=progress)
    finally:
        killer.stop.set()
        killer.join()
    assert killer.killed == ["whisper", "video"]  # both deaths happened mid-run
    assert [r.failed for r in remote] == [False, False], [r.error for r in remote]
    assert [r.stages["transcribe"] for r in remote] == ["done", "done"]

    srts = sorted(p.name for p in (tmp_path / "local").glob("*.srt"))
    assert srts == ["en_grid_bbaf2n.ar.srt", "en_grid_bbaf2n.en.srt", "sample_ar.ar.srt", "sample_ar.en.srt"]
    for name in srts:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    mp4s = sorted(p.name for p in (tmp_path / "local").glob("*.mp4"))
    assert len(mp4s) == 4
    for name in mp4s:
        assert _duration_ms(tmp_path / "ray" / name) == _duration_ms(tmp_path / "local" / name), name
    assert not list((tmp_path / "ray").rglob("*.part"))  # what a killed worker half-wrote does not stay

    # Progress reached the driver: each video's transcription was shown up to its full length (a retried
    # video may show a second bar that stops short, when its transcript is cached by then).
    assert set(progress.bars) >= {"en_grid_bbaf2n", "sample_ar"}
    for label in ("en_grid_bbaf2n", "sample_ar"):
        assert any(done == total > 0 for done, total in progress.bars[label]), (label, progress.bars[label])
    assert len(progress.closed) == progress.opened  # every bar the driver opened was closed

    # The records the workers wrote are whole: a local rerun finds every output its own, nothing to redo.
    again = batch.run_batch([clips], Options(out_dir=tmp_path / "ray", cache_dir=tmp_path / "c2", **common))
    for r in again:
        assert r.stages["transcribe"] == "cached"
        for lr in r.langs.values():
            assert lr.stages["write"] == "unchanged" and lr.stages["burn"] == "up to date", (r.video, lr)

    # A reviewer's edit on the cluster: never overwritten, even with --force; its cues are the ones burned.
    edited = tmp_path / "ray" / "en_grid_bbaf2n.en.srt"
    lines = edited.read_text(encoding="utf-8").splitlines()
    lines[2] = "Edited by a reviewer"
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = edited.read_bytes()
    burned = batch.run_batch([clips / "en_grid_bbaf2n.mpg"], Options(
        out_dir=tmp_path / "ray", cache_dir=tmp_path / "c2", executor="ray", force=True, **common),
        burn_only=True)
    assert edited.read_bytes() == before
    en = burned[0].langs["en"]
    assert (en.stages["write"], en.stages["burn"], en.error) == ("reviewer's", "done", None)
    assert burned[0].langs["ar"].stages["burn"] == "done"  # --force: burned again, from the kept translation


def _summary(out: str) -> str:
    """The summary without what differs between any two runs: seconds taken, detection probabilities, and the
    order of the progress lines (videos finish in any order; the lines themselves are compared as a set)."""
    progress = sorted(re.sub(r"\b\d+\.\d ?s\b", "<t>", line) for line in out.splitlines()
                      if line.startswith("progress:"))
    out = "\n".join([line for line in out.splitlines() if not line.startswith("progress:")] + progress)
    out = re.sub(r"\b\d+\.\d ?s\b", "<t>", out)
    out = re.sub(r"p=0\.\d+", "p=<p>", out)
    return "\n".join(" ".join(line.split()) for line in out.splitlines() if not set(line) <= {"-", " "}
                     or not line)


@pytest.mark.slow
def test_bad_files_give_the_same_summary_and_exit_code(cluster: Cluster, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Locally, then from a second driver process joining the running cluster with --ray-address (as a user
    on a real cluster would)."""
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    (videos / "empty.mp4").write_bytes(b"")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=160x90:d=1", "-c:v",
                    "libx264", str(videos / "no audio.mp4")], check=True)
    shutil.copy(ROOT / "videos" / "sample_ar.mp4", videos / "l'avis — « ١ » #2 (final).mp4")
    args = ["run", str(videos), "--targets", "", "--no-burn", "--no-progress"]

    local_code = main([*args, "-o", str(tmp_path / "local"), "--cache-dir", str(tmp_path / "cache-local")])
    local = _summary(capsys.readouterr().out)
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", *args, "-o", "out", "--cache-dir", "cache", "--executor", "ray",
         # relative folders: the driver makes them mean the same everywhere
         "--ray-address", cluster.address],
        capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert (local_code, proc.returncode) == (1, 1), proc.stderr[-2000:]
    assert _summary(proc.stdout) == local
    assert "1 of 4 video(s) complete, 3 with failures." in local
    failures = [line for line in local.split("Failures:")[1].split("Notes:")[0].strip().splitlines()
                if not line.startswith("progress:")]
    assert [line.split(":")[0] for line in failures] == ["corrupt.mp4", "empty.mp4", "no audio.mp4"]
    assert "Traceback" not in local
    assert (tmp_path / "out" / "l'avis — « ١ » #2 (final).ar.srt").read_bytes() == (
        tmp_path / "local" / "l'avis — « ١ » #2 (final).ar.srt").read_bytes()


def test_ray_missing_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError, as without the package
    monkeypatch.delitem(sys.modules, "pipeline.executors.ray", raising=False)
    (tmp_path / "a.mp4").write_bytes(b"x")
    assert main(["run", str(tmp_path / "a.mp4"), "-o", str(tmp_path / "out"), "--executor", "ray"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install" in err and "[ray]" in err


def test_ray_address_without_the_ray_executor_is_misuse(tmp_path: Path) -> None:
    assert main(["run", str(tmp_path), "--ray-address", "10.0.0.5:6379"]) == 2


# --- pure parts ------------------------------------------------------------------------------------------

def test_one_whisper_model_per_gpu_else_per_two_cpus() -> None:
    assert ray_executor.whisper_actors(cpus=32, gpus=4) == 4
    assert ray_executor.whisper_actors(cpus=8, gpus=0) == 4
    assert ray_executor.whisper_actors(cpus=1, gpus=0) == 1


def test_nvenc_burns_share_the_gpu_with_whisper() -> None:
    res = ray_executor.stage_resources(gpus=2, encoder="auto")
    assert res["whisper"]["num_gpus"] + res["burn"]["num_gpus"] <= 1
    assert ray_executor.stage_resources(gpus=2, encoder="libx264")["burn"]["num_gpus"] == 0
    assert ray_executor.stage_resources(gpus=0, encoder="auto")["whisper"]["num_gpus"] == 0


def test_reach_problems_needs_the_drivers_file_and_write_access(tmp_path: Path) -> None:
    seen, other = tmp_path / "seen", tmp_path / "other"
    seen.mkdir()
    other.mkdir()
    (seen / ".reach-tok").write_text("tok")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    places = [("output folder", str(seen)), ("cache folder", str(other))]
    problems = ray_executor.reach_problems("tok", places, [str(video), str(tmp_path / "gone.mp4")])
    assert len(problems) == 2
    assert problems[0].startswith(f"the cache folder {other}")
    assert problems[1] == f"the input {tmp_path / 'gone.mp4'}"
    assert ray_executor.reach_problems("tok", places[:1], [str(video)]) == []


def test_reach_message_names_the_node_and_what_to_mount() -> None:
    assert ray_executor.reach_message({"10.0.0.1": [], "10.0.0.2": []}) is None
    msg = ray_executor.reach_message({"10.0.0.1": [], "10.0.0.2": ["the cache folder /c (x)"],
                                      "10.0.0.3": ["the input /v.mp4"]})
    assert msg is not None and "\n" not in msg
    assert msg.startswith("Ray node 10.0.0.2 cannot reach the cache folder /c (x) (1 other node(s) likewise)")
    assert "mount the same shared storage" in msg


def test_progress_events_in_any_order_make_whole_bars() -> None:
    p = Progress()
    bars = ray_executor._Bars(p)
    bars.apply([("step", "k1", "a", 500, 1000), ("step", "k2", "b", 0, 2000), ("close", "k1", "a", 0, 0),
                ("step", "k1", "a", 1000, 1000)])  # a late step after its bar closed is dropped
    assert p.bars == {"a": [(500, 1000)], "b": [(0, 2000)]}
    assert p.closed == [1]
    bars.close_all()
    assert p.closed == [1, 1]


def test_a_video_whose_workers_kept_dying_fails_alone_in_one_line() -> None:
    lost = ray_executor._lost(Path("/v/a.mp4"), "a", ray.exceptions.WorkerCrashedError())
    assert lost.failed and lost.error == (f"its Ray worker was lost {ray_executor.RETRIES + 1} times "
                                          "(WorkerCrashedError); see the Ray logs")
    odd = ray_executor._lost(Path("/v/a.mp4"), "a", ValueError("first line\nsecond line"))
    assert odd.error == "internal error on the cluster: ValueError: first line"
