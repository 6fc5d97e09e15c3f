"""The Ray executor: a batch's videos on a Ray cluster, with everything a local run promises.

- Each video is a Ray task running `steps.process_video` on some worker, against the same cache and output
  folder (storage every node mounts at the same path, checked before the run starts).
- Whisper lives in long-lived actors, one per GPU (or one per two CPUs on a CPU-only cluster): a model
  is loaded once per actor, not per video. Translation and burning are Ray tasks asking for the CPU
  (and, for NVENC, the share of a GPU) they use.
- The driver keeps the output-folder lock, the progress bars (workers send progress to a small actor the
  driver polls) and the summary. Workers append to the manifest and run record (shared journals, never
  compacted by a worker), and write every file atomically, so a killed worker leaves only a `.part` file.
- A worker process that dies (killed, out of memory, node lost) is survived: Ray reruns its task on another
  worker, and restarts a dead Whisper actor, retrying the transcription it was doing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import naming, review, steps
from pipeline.cache import Cache, default_cache_dir
from pipeline.context import Context, Stages
from pipeline.errors import PipelineError, UsageError
from pipeline.journal import Journal
from pipeline.options import Options
from pipeline.report import RunState, VideoResult

INSTALL = "pip install 'campaign-captions[ray]' (in a checkout: pip install -e '.[ray]')"

try:
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
except ImportError:
    raise UsageError(f"--executor ray needs the Ray package: {INSTALL}") from None

if TYPE_CHECKING:
    from pipeline.executors import Work

log = logging.getLogger(__name__)

VIDEO_CPUS = 0.25  # a video task mostly waits on the stages below; probing, hashing and segmenting are light
# Translation (CTranslate2) and burning (ffmpeg) keep a core busy; Whisper holds its share for the actor's
# life. Halves, so that a cluster shrunk to a single one-core node (the others lost) still has room for a burn
# beside the Whisper actor instead of waiting for ever.
STAGE_CPUS = 0.5
WHISPER_CPUS = 0.5
RETRIES = 3  # reruns of a task whose worker process died; actor restarts likewise
# CTranslate2's thread count when OMP_NUM_THREADS is unset. Ray sets OMP_NUM_THREADS to a task's CPU count
# (1), and a translation's numbers move with the thread count (Whisper's word times did: 2.68 s vs 2.66 s on a
# GRID clip): the model stages get the driver's setting, so a cluster writes the same SRT bytes as a local run
# on the same hardware. Whisper now runs one thread per worker whatever the setting, which only says how many
# workers (devices.cpu_budget).
CT2_DEFAULT_THREADS = "4"
LOCAL_OBJECT_STORE = 256 * 1024 * 1024  # a one-machine Ray started for a run: only small results travel
WHISPER_STAGES = ("transcribe", "whisper_translate")
TASK_STAGES = ("translate", "burn")
MOUNT_HINT = ("every node must see the inputs, the cache and the output folder at the same paths: mount the "
              "same shared storage (NFS, CephFS, ...) there on every node, or choose -o and --cache-dir "
              "on it")


# --- sizing ------------------------------------------------------------------------------------------

def whisper_actors(cpus: float, gpus: float) -> int:
    """One model per GPU; on CPUs one per two cores, leaving the other half to translation and burning."""
    return int(gpus) if gpus >= 1 else max(1, int(cpus) // 2)


def stage_resources(gpus: float, encoder: str) -> dict[str, dict[str, Any]]:
    """Ray resources of each kind of work. On a GPU cluster the Whisper actor and an NVENC burn share a GPU
    (half each): NVENC is its own engine on the chip, and a whole GPU per actor would starve the burns."""
    gpu_burn = gpus >= 1 and encoder != "libx264"
    return {
        "whisper": {"num_cpus": WHISPER_CPUS, "num_gpus": 0.5 if gpus >= 1 else 0, **threads_env()},
        "translate": {"num_cpus": STAGE_CPUS, **threads_env()},
        "burn": {"num_cpus": STAGE_CPUS, "num_gpus": 0.5 if gpu_burn else 0},
        "video": {"num_cpus": VIDEO_CPUS},
    }


def threads_env() -> dict[str, Any]:
    """Ray options giving a model stage the thread count a local run on the driver would use."""
    return {"runtime_env": {"env_vars": {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")
                                                            or CT2_DEFAULT_THREADS}}}


def portable(opts: Options) -> Options:
    """Options whose paths mean the same on every node: absolute, the cache folder decided here."""
    model = opts.model
    if Path(model).exists():
        model = str(Path(model).resolve())
    return dataclasses.replace(
        opts, out_dir=Path(opts.out_dir).resolve(), model=model,
        cache_dir=Path(opts.cache_dir or default_cache_dir()).resolve(),
        glossary=Path(opts.glossary).resolve() if opts.glossary else None,
        models_dir=Path(opts.models_dir).resolve() if opts.models_dir else None)


# --- the storage check ---------------------------------------------------------------------------------

def reach_problems(token: str, places: Sequence[tuple[str, str]], inputs: Sequence[str]) -> list[str]:
    """Run on each node: what of the run's storage this node cannot reach, one phrase each.

    `places` are (role, folder) holding a file `.reach-<token>` the driver wrote: seeing it proves the same
    storage, not just a folder of the same name; the node must also be able to write there.
    """
    problems = []
    for role, folder in places:
        probe = Path(folder) / f".reach-{token}"
        try:
            seen = probe.read_text(encoding="utf-8") == token
        except OSError:
            seen = False
        if not seen:
            problems.append(f"the {role} {folder} (not the driver's: its check file is missing)")
            continue
        try:
            fd, tmp = tempfile.mkstemp(prefix=".reach-", dir=folder)
            os.close(fd)
            os.unlink(tmp)
        except OSError as exc:
            problems.append(f"the {role} {folder} (not writable: {exc.strerror or exc})")
    missing = [p for p in inputs if not os.access(p, os.R_OK)]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        problems.append(f"the input {missing[0]}{more}")
    return problems


def reach_message(by_node: Mapping[str, Sequence[str]]) -> str | None:
    """One line naming the first node that cannot reach something, and what to mount; None when all can."""
    bad = {node: probs for node, probs in by_node.items() if probs}
    if not bad:
        return None
    node, probs = next(iter(bad.items()))
    others = f" ({len(bad) - 1} other node(s) likewise)" if len(bad) > 1 else ""
    return f"Ray node {node} cannot reach {'; '.join(probs)}{others}: {MOUNT_HINT}"


@ray.remote(num_cpus=0)
def _reach(token: str, places: list[tuple[str, str]], inputs: list[str]) -> tuple[list[str], str]:
    import pipeline

    return reach_problems(token, places, inputs), pipeline.__version__


# --- progress: workers -> a small actor -> the driver's bars ----------------------------------------------

@ray.remote(num_cpus=0)
class _ProgressHub:
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def push(self, *event: Any) -> None:
        self.events.append(event)

    def drain(self) -> list[tuple[Any, ...]]:
        events, self.events = self.events, []
        return events


class _RemoteBar:
    """A progress handle on a worker (pickled on to the Whisper actor):
    each call is one fire-and-forget event."""

    def __init__(self, hub: Any, label: str, total_ms: int) -> None:
        self.hub, self.key, self.label = hub, uuid.uuid4().hex, label
        hub.push.remote("step", self.key, label, 0, total_ms)

    def __call__(self, done_ms: int, total_ms: int) -> None:
        self.hub.push.remote("step", self.key, self.label, done_ms, total_ms)

    def close(self) -> None:
        self.hub.push.remote("close", self.key, self.label, 0, 0)


@dataclass(frozen=True)
class _RemoteProgress:
    hub: Any

    def __call__(self, label: str, total_ms: int) -> _RemoteBar:
        return _RemoteBar(self.hub, label, total_ms)


@dataclass(frozen=True)
class _RemoteNotify:
    """A worker's progress line ("progress: ..."), printed by the driver."""

    hub: Any

    def __call__(self, line: str) -> None:
        self.hub.push.remote("line", "", line, 0, 0)


class _Bars:
    """The driver's side: events from any worker, in any order, onto the run's own progress factory."""

    def __init__(self, factory: Callable[[str, int], Any],
                 notify: Callable[[str], None] | None = None) -> None:
        self.factory, self.notify = factory, notify
        self.open: dict[str, Any] = {}
        self.closed: set[str] = set()

    def apply(self, events: Iterable[tuple[Any, ...]]) -> None:
        for kind, key, label, done, total in events:
            if kind == "line":
                if self.notify is not None:
                    self.notify(label)
                continue
            if key in self.closed:
                continue  # a late step from the actor after the worker closed the bar
            if kind == "close":
                self.closed.add(key)
                if key in self.open:
                    self.open.pop(key).close()
                continue
            if key not in self.open:
                self.open[key] = self.factory(label, total)
            self.open[key](done, total)

    def close_all(self) -> None:
        for bar in self.open.values():
            bar.close()
        self.open.clear()


def _drain(hub: Any) -> list[tuple[Any, ...]]:
    """Progress events so far; none while the hub is being restarted (bars are only a display)."""
    try:
        return ray.get(hub.drain.remote(), timeout=30)
    except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
        return []


# --- stages placed on the cluster -------------------------------------------------------------------------

def _unwrapped(ref: Any) -> Any:
    """ray.get, raising a stage's own exception (its one-line message), not Ray's wrapper with a traceback."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BaseException):
            raise cause from None
        raise


@ray.remote
class WhisperActor:
    """Holds the Whisper model between videos (faster-whisper's model is cached per process)."""

    def __init__(self, stages: dict[str, Callable[..., Any]]) -> None:
        self.stages = stages

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.stages[name](*args, **kwargs)


@dataclass(frozen=True)
class _OnWhisper:
    """A stage run by a Whisper actor; one that is gone for good (restarts spent) hands over to the next."""

    name: str
    actors: tuple[Any, ...]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        first = zlib.crc32(str(args[0]).encode()) % len(self.actors)  # spread videos over the actors
        lost: Exception | None = None
        for actor in self.actors[first:] + self.actors[:first]:
            try:
                return _unwrapped(actor.call.remote(self.name, *args, **kwargs))
            except ray.exceptions.RayActorError as exc:
                lost = exc
        raise PipelineError(f"every Whisper worker of the cluster was lost ({type(lost).__name__})")


@ray.remote
def _stage_task(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return fn(*args, **kwargs)


@dataclass(frozen=True)
class _AsTask:
    """A stage run as its own Ray task with the resources it needs (rerun if its worker dies)."""

    fn: Callable[..., Any]
    options: tuple[tuple[str, Any], ...]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        ref = _stage_task.options(**dict(self.options), max_retries=RETRIES).remote(self.fn, args, kwargs)
        return _unwrapped(ref)


# --- one video on a worker --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Shared:
    """What every video task of one run gets (put in the object store once)."""

    opts: Options
    cache: Cache
    stages: Stages
    burn_only: bool
    prompt: str | None
    hub: Any
    glossary: Any
    names: tuple[str, ...]
    forget_source: bool
    notify: bool  # the driver prints a line per finished stage (it gets them through the hub)


@ray.remote
def _video_task(shared: _Shared, video: Path, stem: str, previous: VideoResult | None) -> VideoResult:
    out_dir = shared.opts.out_dir
    state = RunState(out_dir, shared=True)
    if previous is not None:
        state.videos[stem] = previous
    # The manifest is read afresh for each video: a rerun after a lost worker sees what that worker recorded.
    ctx = Context(opts=shared.opts, cache=shared.cache, manifest=review.Manifest(out_dir, shared=True),
                  state=state, stages=shared.stages, progress=_RemoteProgress(shared.hub),
                  burn_only=shared.burn_only, prompt=shared.prompt, glossary=shared.glossary,
                  names=shared.names, forget_source=shared.forget_source,
                  notify=_RemoteNotify(shared.hub) if shared.notify else None)
    return steps.process_video(ctx, video, stem)


def _lost(video: Path, stem: str, exc: Exception) -> VideoResult:
    """A video whose task failed outside `process_video` (workers lost RETRIES times): one line."""
    if isinstance(exc, ray.exceptions.RayTaskError) and isinstance(getattr(exc, "cause", None), Exception):
        exc = exc.cause
    cause = str(exc) if isinstance(exc, PipelineError) else type(exc).__name__
    if isinstance(exc, (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                        ray.exceptions.OwnerDiedError, ray.exceptions.ObjectLostError)):
        cause = f"its Ray worker was lost {RETRIES + 1} times ({type(exc).__name__}); see the Ray logs"
    elif not isinstance(exc, PipelineError):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        cause = f"internal error on the cluster: {type(exc).__name__}: {first}"
    return VideoResult(video=str(video), stem=stem, error=cause)


# --- the executor -------------------------------------------------------------------------------------------

class RayExecutor:
    def __init__(self) -> None:
        self._started = False  # we called ray.init (and so call ray.shutdown)

    def prepare(self, opts: Options, videos: Sequence[Path]) -> None:
        self._connect(opts)
        self._check_reach(portable(opts), videos)

    def _connect(self, opts: Options) -> None:
        if ray.is_initialized():  # a caller (a notebook, the tests) already joined a cluster
            return
        address = opts.ray_address or os.environ.get("RAY_ADDRESS")
        try:
            if address:
                ray.init(address=address, logging_level=logging.WARNING, log_to_driver=True)
            else:  # Ray on this machine for this run only
                ray.init(include_dashboard=False, object_store_memory=LOCAL_OBJECT_STORE,
                         _node_ip_address="127.0.0.1", logging_level=logging.WARNING, log_to_driver=True)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"at {address}" if address else "on this machine"
            raise UsageError(f"no Ray cluster {where} ({str(exc).strip().splitlines()[0]}): start one with "
                             "`ray start --head`, or check --ray-address") from None
        self._started = True

    def _check_reach(self, opts: Options, videos: Sequence[Path]) -> None:
        """Before the run: every node sees the driver's cache and output folders (same files, writable), the
        inputs, and runs the same version of the pipeline."""
        import pipeline

        token = uuid.uuid4().hex
        places = [("output folder", str(naming.state_dir(opts.out_dir))),
                  ("cache folder", str(opts.cache_dir))]
        written = []
        try:
            for _, folder in places:
                Path(folder).mkdir(parents=True, exist_ok=True)
                probe = Path(folder) / f".reach-{token}"
                probe.write_text(token, encoding="utf-8")
                written.append(probe)
            nodes = [n for n in ray.nodes() if n.get("Alive")]
            refs = {n.get("NodeManagerAddress", n["NodeID"]): _reach.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(
                    token, places, [str(v) for v in videos]) for n in nodes}
            answers = {}
            for node, ref in refs.items():
                try:
                    answers[node] = ray.get(ref, timeout=120)
                except (ray.exceptions.GetTimeoutError, ray.exceptions.RayError) as exc:
                    raise UsageError(f"Ray node {node} did not answer the storage check "
                                     f"({type(exc).__name__}): is it overloaded or leaving the "
                                     f"cluster?") from None
        finally:
            for probe in written:
                with contextlib.suppress(OSError):
                    probe.unlink()
        message = reach_message({node: probs for node, (probs, _) in answers.items()})
        if message:
            raise UsageError(message)
        for node, (_, version) in answers.items():
            if version != pipeline.__version__:
                raise UsageError(f"Ray node {node} runs campaign-captions {version}, this machine "
                                 f"{pipeline.__version__}: install the same version on every node")

    def run(self, ctx: Context, work: Work, jobs: int | None) -> list[VideoResult]:
        totals = ray.cluster_resources()
        cpus, gpus = float(totals.get("CPU", 1)), float(totals.get("GPU", 0))
        res = stage_resources(gpus, ctx.opts.encoder)
        opts = portable(ctx.opts)
        actors = tuple(WhisperActor.options(**res["whisper"], max_restarts=RETRIES, max_task_retries=RETRIES)
                       .remote({name: getattr(ctx.stages, name) for name in WHISPER_STAGES})
                       for _ in range(whisper_actors(cpus, gpus)))
        stages = ctx.stages.with_overrides(
            {**{name: _OnWhisper(name, actors) for name in WHISPER_STAGES},
             **{name: _AsTask(getattr(ctx.stages, name), tuple(res[name].items())) for name in TASK_STAGES}})
        # On the driver's node where it can (progress lives and dies with the driver); restarted if lost.
        hub = _ProgressHub.options(max_restarts=-1, scheduling_strategy=NodeAffinitySchedulingStrategy(
            ray.get_runtime_context().get_node_id(), soft=True)).remote()
        shared = ray.put(_Shared(opts=opts, cache=type(ctx.cache)(opts.cache_dir), stages=stages,
                                 burn_only=ctx.burn_only, prompt=ctx.prompt, hub=hub, glossary=ctx.glossary,
                                 names=ctx.names, forget_source=ctx.forget_source,
                                 notify=ctx.notify is not None))
        window = jobs or max(2, int(cpus) + len(actors))  # videos in flight: enough to keep every slot busy
        bars = _Bars(ctx.progress, ctx.notify)
        results: list[VideoResult | None] = [None] * len(work)
        pending: dict[Any, int] = {}
        todo = iter(range(len(work)))
        try:
            while True:
                while len(pending) < window and (i := next(todo, None)) is not None:
                    video, stem = work[i]
                    ref = _video_task.options(**res["video"], max_retries=RETRIES).remote(
                        shared, video, stem, ctx.state.videos.get(stem))
                    pending[ref] = i
                if not pending:
                    break
                done, _ = ray.wait(list(pending), num_returns=1, timeout=0.25)
                bars.apply(_drain(hub))
                for ref in done:
                    i = pending.pop(ref)
                    try:
                        results[i] = ray.get(ref)
                    except Exception as exc:  # the task itself is gone (workers lost too often)
                        log.debug("video task failed", exc_info=exc)
                        results[i] = _lost(*work[i], exc)
                        RunState(opts.out_dir, shared=True).save(results[i])  # `status` shows it failed
            bars.apply(_drain(hub))
        except KeyboardInterrupt:  # Ctrl-C: nothing more runs on the cluster for this run
            from pipeline.batch import RunInterrupted

            for ref in pending:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True, recursive=True)
            raise RunInterrupted([r for r in results if r is not None], len(work)) from None
        finally:
            bars.close_all()
            for actor in (*actors, hub):
                with contextlib.suppress(Exception):
                    ray.kill(actor)
        for path in (naming.manifest_path(opts.out_dir), naming.run_record_path(opts.out_dir)):
            Journal(path).compact_if_due()  # every worker appended, none compacted; now one writer tidies up
        return [r for r in results if r is not None]

    def close(self) -> None:
        if self._started and ray.is_initialized():
            ray.shutdown()
        self._started = False
