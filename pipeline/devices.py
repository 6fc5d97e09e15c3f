"""Which device each model runs on: the choice (`--device`, `--compute-type`) as pure logic over what the
machine has, and the pool that gives each transcribing job a GPU of its own.

- `auto`: every GPU CTranslate2 sees (one Whisper model per GPU, videos spread over them), else the CPU.
- `cuda`: the same, but no GPU is an error; `cuda:N`: GPU N only; `cpu`: the CPU.
- compute type `auto`: float16 on CUDA, int8 on CPU.
Translation (CTranslate2 too) runs on the same choice: `ctranslate2_args`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

from pipeline.errors import UsageError

_SPEC = re.compile(r"^(auto|cpu|cuda)(?::(\d+))?$")


@dataclass(frozen=True)
class DevicePlan:
    kind: str  # "cpu" | "cuda"
    indices: tuple[int, ...]  # the GPUs used, one Whisper model each; (0,) on CPU
    compute_type: str


def parse(spec: str) -> tuple[str, int | None]:
    """"cuda:1" -> ("cuda", 1); "auto" -> ("auto", None). A bad spec is a UsageError naming the choices."""
    m = _SPEC.match(spec.strip().lower())
    if not m or (m.group(2) is not None and m.group(1) != "cuda"):
        raise UsageError(f"--device {spec}: expected auto, cpu, cuda or cuda:N (a GPU number)")
    return m.group(1), int(m.group(2)) if m.group(2) is not None else None


def plan(spec: str, compute_type: str, gpu_count: int,
         supported: Callable[[str], Collection[str]] = lambda device: ()) -> DevicePlan:
    """The devices and compute type for `--device spec --compute-type compute_type` on a machine with
    `gpu_count` CUDA GPUs. `supported(kind)`: the compute types CTranslate2 offers there (empty: not
    checked)."""
    kind, index = parse(spec)
    if kind == "auto":
        kind = "cuda" if gpu_count > 0 else "cpu"
    if kind == "cuda" and gpu_count == 0:
        raise UsageError(f"--device {spec}: CTranslate2 sees no CUDA GPU (driver or CUDA libraries missing?)")
    if index is not None and index >= gpu_count:
        raise UsageError(f"--device {spec}: there is no GPU {index} "
                         f"(GPUs seen: {gpu_count}, numbered from 0)")
    indices = (index,) if index is not None else tuple(range(gpu_count)) if kind == "cuda" else (0,)
    compute = compute_type
    if compute == "auto":
        compute = "float16" if kind == "cuda" else "int8"
    offered = supported(kind)
    if offered and compute not in offered and compute != "default":
        raise UsageError(f"--compute-type {compute}: not supported on {kind} "
                         f"(choose from {', '.join(sorted(offered))})")
    return DevicePlan(kind, indices, compute)


def default_jobs(gpus: int, cores: int) -> int:
    """Videos in flight at once. Each GPU holds one Whisper model busy while other jobs translate and encode
    (two jobs per GPU), within what the cores can feed; on CPU, Whisper takes its share of cores anyway, so a
    few jobs help and more only contend."""
    if gpus:
        return max(2, min(2 * gpus, cores))
    return max(2, min(4, cores // 2))


def default_batch_size(kind: str) -> int:
    """Speech windows decoded at once: a GPU is fed best by large batches; a CPU by batches of 2 shared out
    among its workers (cpu_workers): on 2 cores the long-form bench's windows took 17.5-17.6 s in batches of
    2, 18.0 s of 3, 21.1-21.5 s of 4 (fewer batches than workers at the end), 20.3 s of 1."""
    return 16 if kind == "cuda" else 2


# Workers at most: each holds its own working memory (about 100 MB for the base model).
MAX_CPU_WORKERS = 8


def cpu_workers(cores: int) -> int:
    """Whisper's CTranslate2 workers on `cores` CPU cores, one thread each: a worker per core decoding its
    own windows rather than the cores sharing one window. A base-model decode is a string of small matrix
    products that one core keeps busy: on 2 cores (AMD EPYC), the long-form bench's windows took 27 s on 1
    thread, 26-34 s on 2, 30-33 s on CTranslate2's default of 4, and 17-19 s as two workers of one thread.
    One thread each also keeps Whisper's arithmetic, hence the words and their times, the same whatever the
    number of workers (and the mel features are steadied against numpy's BLAS threads:
    asr._steady_features)."""
    return max(1, min(cores, MAX_CPU_WORKERS))


def cpu_streams(workers: int) -> int:
    """Batches of windows in flight at once for `workers` CPU workers: one more than the workers when there
    are several. A worker then finds the next model call queued rather than waiting for a stream's Python
    work (features, word alignment's DTW), and at a file's end a lone last batch shares the cores with the
    others' remaining calls instead of leaving a core idle: on 2 cores (Intel Xeon) the three long-form bench
    inputs took 17.5 and 18.3 s against 18.8 and 19.7 s (medians of two sets of 5 interleaved runs; 9 of the
    10 pairs faster), the same words; a fourth stream bought nothing more (18.7 vs 18.6 s). One worker (one
    core, or a GPU, whose parallelism is the batch) gets one stream."""
    return workers + 1 if workers > 1 else 1


def cpu_budget() -> int:
    """The cores Whisper may use: OMP_NUM_THREADS when set (the usual limit; a Ray worker gets the driver's),
    else those this process may run on (a container's or `taskset`'s share, not the machine's)."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        pass
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ctranslate2_args(p: DevicePlan, index: int | None = None) -> dict[str, object]:
    """Keyword arguments for a CTranslate2 model (Whisper or a translator) on this plan."""
    return {"device": p.kind, "device_index": p.indices[0] if index is None else index,
            "compute_type": p.compute_type}


class DevicePool:
    """One slot per device of the plan; `with pool:` holds a free one for this thread (the Whisper lock of a
    batch: one model per GPU transcribes at a time, jobs spread over the GPUs)."""

    _local = threading.local()

    def __init__(self, indices: tuple[int, ...]) -> None:
        self._free = list(indices)
        self._cond = threading.Condition()

    def __enter__(self) -> int:
        with self._cond:
            self._cond.wait_for(lambda: bool(self._free))
            index = self._free.pop(0)
        self._local.index = index
        return index

    def __exit__(self, *exc: object) -> None:
        index = self._local.__dict__.pop("index")
        with self._cond:
            self._free.append(index)
            self._cond.notify()

    @classmethod
    def current(cls) -> int | None:
        """The device index this thread holds, or None outside a pool."""
        return getattr(cls._local, "index", None)


def gpu_count() -> int:
    """CUDA GPUs CTranslate2 can use here (0 without a driver or CUDA libraries)."""
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # a broken CUDA install reads as no GPU; --device cuda then says so
        return 0


def machine_plan(device: str, compute_type: str) -> DevicePlan:
    """`plan` for this machine's GPUs and CTranslate2's compute types."""
    import ctranslate2

    return plan(device, compute_type, gpu_count(), ctranslate2.get_supported_compute_types)


def translation_device(device: str) -> tuple[str, int]:
    """(device, index) for a translation model: the Whisper choice, on the GPU this thread holds if any."""
    p = plan(device, "default", gpu_count())
    held = DevicePool.current()
    return p.kind, held if held is not None and p.kind == "cuda" else p.indices[0]
