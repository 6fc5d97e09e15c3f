"""Device choice as pure logic over a faked machine (GPU count, compute types), and the GPU pool."""

from __future__ import annotations

import threading
import time

import pytest

from pipeline import devices
from pipeline.cli import build_parser
from pipeline.commands.common import options_from_args
from pipeline.errors import UsageError

CUDA_TYPES = {"float16", "int8_float16", "float32", "int8"}


def offered(kind: str) -> set[str]:
    return CUDA_TYPES if kind == "cuda" else {"int8", "float32"}


def test_auto_uses_every_gpu_in_float16() -> None:
    assert devices.plan("auto", "auto", 4, offered) == devices.DevicePlan("cuda", (0, 1, 2, 3), "float16")
    assert devices.plan("cuda", "auto", 2, offered) == devices.DevicePlan("cuda", (0, 1), "float16")


def test_no_gpu_means_cpu_int8_and_cuda_is_refused() -> None:
    assert devices.plan("auto", "auto", 0, offered) == devices.DevicePlan("cpu", (0,), "int8")
    with pytest.raises(UsageError, match="sees no CUDA GPU"):
        devices.plan("cuda", "auto", 0, offered)


def test_cuda_n_picks_one_gpu() -> None:
    assert devices.plan("cuda:1", "auto", 2, offered) == devices.DevicePlan("cuda", (1,), "float16")
    with pytest.raises(UsageError, match="no GPU 2"):
        devices.plan("cuda:2", "auto", 2, offered)


def test_compute_type_is_checked_against_the_device() -> None:
    assert devices.plan("cpu", "float32", 2, offered).compute_type == "float32"
    with pytest.raises(UsageError, match="float16: not supported on cpu"):
        devices.plan("cpu", "float16", 0, offered)


@pytest.mark.parametrize("spec", ["gpu", "cpu:1", "cuda:", "cuda:-1", "auto:0", ""])
def test_bad_device_specs_are_usage_errors(spec: str) -> None:
    with pytest.raises(UsageError, match="expected auto, cpu, cuda or cuda:N"):
        devices.parse(spec)


def test_cli_takes_cuda_n_and_batch_size_and_refuses_bad_ones(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["transcribe", "x.mp4", "--device", "cuda:1", "--batch-size", "4"])
    opts = options_from_args(args)
    assert (opts.device, opts.batch_size) == ("cuda:1", 4)
    for bad in (["--device", "gpu"], ["--batch-size", "0"]):
        with pytest.raises(SystemExit) as exc:
            build_parser().parse_args(["transcribe", "x.mp4", *bad])
        assert exc.value.code == 2
    assert "cuda:N" in capsys.readouterr().err


@pytest.mark.parametrize("gpus, cores, jobs", [(0, 2, 2), (0, 16, 4), (1, 16, 2), (4, 16, 8), (8, 6, 6)])
def test_default_parallelism_from_gpus_and_cores(gpus: int, cores: int, jobs: int) -> None:
    assert devices.default_jobs(gpus, cores) == jobs


@pytest.mark.parametrize("cores, workers", [(1, 1), (2, 2), (4, 4), (8, 8), (16, 8), (0, 1)])
def test_cpu_decodes_with_a_worker_per_core_up_to_eight(cores: int, workers: int) -> None:
    assert devices.cpu_workers(cores) == workers


@pytest.mark.parametrize("workers, streams", [(1, 1), (2, 3), (8, 9)])
def test_cpu_keeps_one_batch_more_in_flight_than_workers_when_there_are_several(workers: int,
                                                                               streams: int) -> None:
    assert devices.cpu_streams(workers) == streams


def test_cpu_budget_is_omp_num_threads_else_this_process_share(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert devices.cpu_budget() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert devices.cpu_budget() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")  # unreadable: as if unset
    assert devices.cpu_budget() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("budget, batch_size, streams", [("2", None, 3), ("1", None, 1), ("4", 1, 1),
                                                        ("4", 3, 5)])
def test_whisper_streams_on_a_cpu_follow_the_core_budget_and_batch_size(
        monkeypatch: pytest.MonkeyPatch, budget: str, batch_size: int | None, streams: int) -> None:
    """2 cores: 2 workers, 3 batches in flight; 1 core: one; --batch-size 1 keeps its one window at a time."""
    from pipeline import asr
    from pipeline.options import Options

    monkeypatch.setenv("OMP_NUM_THREADS", budget)
    assert asr.streams(Options(device="cpu", batch_size=batch_size)) == streams


def test_batch_size_by_device() -> None:
    assert devices.default_batch_size("cuda") > devices.default_batch_size("cpu") > 1


def test_translation_args_follow_the_whisper_choice() -> None:
    p = devices.plan("cuda:1", "auto", 2, offered)
    assert devices.ctranslate2_args(p) == {"device": "cuda", "device_index": 1, "compute_type": "float16"}


def test_pool_spreads_jobs_over_gpus_one_model_each() -> None:
    """Four jobs, two GPUs: never two jobs on one GPU at once, both GPUs used, each job knows its GPU."""
    pool = devices.DevicePool((0, 1))
    busy: dict[int, int] = {0: 0, 1: 0}
    seen: list[int] = []
    lock = threading.Lock()

    def job() -> None:
        with pool as index:
            assert devices.DevicePool.current() == index
            with lock:
                busy[index] += 1
                assert busy[index] == 1
                seen.append(index)
            time.sleep(0.05)
            with lock:
                busy[index] -= 1
        assert devices.DevicePool.current() is None

    threads = [threading.Thread(target=job) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(seen)) == [0, 1] and len(seen) == 4
