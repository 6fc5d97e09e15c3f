"""The code's shape, checked: no import cycle in pipeline/, a pure core that opens no file and imports no I/O
module, and stage signatures that match their Protocols (real stages and the test fakes)."""

from __future__ import annotations

import ast
import importlib
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_stages import Fakes

from pipeline import context

PACKAGE = Path(context.__file__).resolve().parent

# --- the import graph ---------------------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = ("pipeline", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[ast.AST]:
    """Import statements under `if TYPE_CHECKING:` (types only: never run)."""
    inside: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                inside.update(ast.walk(child))
    return inside


def imports_of(name: str, *, runtime_only: bool = False) -> dict[str, int]:
    """Every module `name` imports (anywhere in the file: top level, functions, TYPE_CHECKING) -> line."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree) if runtime_only else set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if node in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                head = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*head, base] if base else head)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.setdefault(full if full in MODULES else base, node.lineno)
    return found


def _cycles() -> list[list[str]]:
    graph = {m: sorted(i for i in imports_of(m) if i in MODULES and i != m) for m in MODULES}
    cycles, state = [], dict.fromkeys(graph, 0)  # 0 new, 1 on the path, 2 done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in graph[m]:
            if state[n] == 1:
                cycles.append([*path[path.index(n):], n])
            elif state[n] == 0:
                visit(n, [*path, n])
        state[m] = 2

    for m in graph:
        if state[m] == 0:
            visit(m, [m])
    return cycles


def test_no_import_cycle_in_the_package() -> None:
    """Type-only imports count too: a cycle of types is still two modules that cannot be read apart."""
    assert _cycles() == []


def test_the_cycle_finder_finds_cycles(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = {"pipeline.a": {"pipeline.b": 1}, "pipeline.b": {"pipeline.c": 1}, "pipeline.c": {"pipeline.a": 1}}
    monkeypatch.setitem(globals(), "MODULES", dict.fromkeys(fake, Path()))
    monkeypatch.setitem(globals(), "imports_of", lambda m, **_: fake[m])
    assert _cycles() == [["pipeline.a", "pipeline.b", "pipeline.c", "pipeline.a"]]


RUNNING = ("pipeline.context", "pipeline.steps", "pipeline.batch", "pipeline.executors")
SURFACES = ("pipeline.cli", "pipeline.__main__", "pipeline.commands", "pipeline.server")


def _in(module: str, layer: tuple[str, ...]) -> bool:
    return any(module == m or module.startswith(m + ".") for m in layer)


def test_core_and_edges_never_import_the_running_layer_or_the_surfaces() -> None:
    """architecture.md: each layer imports only the layers above it (core, edges, running, surfaces)."""
    wrong = {m: sorted(i for i in imports_of(m) if _in(i, RUNNING + SURFACES))
             for m in MODULES if not _in(m, RUNNING + SURFACES)}
    assert {m: i for m, i in wrong.items() if i} == {}


# --- the pure core ------------------------------------------------------------------------------------------

# The pure core (architecture.md, "Where things live"): functions over small values, data passed in.
PURE = ("types", "errors", "options", "profiles", "naming", "langid", "textnorm", "metrics", "segment",
        "typography", "bidi", "qc", "ass", "retime", "markup", "asr_windows", "style", "word_captions")
# Edges and the running layer: what touches files, processes, models or the network.
IO_MODULES = frozenset(f"pipeline.{m}" for m in (
    "media", "asr", "mt", "packages", "burn", "models", "cache", "journal", "review", "report", "glossary",
    "export", "srtcheck", "context", "steps", "batch", "cli", "commands", "server", "executors", "vad",
    "devices"))
IO_LIBRARIES = frozenset(("subprocess", "shutil", "tempfile", "socket", "urllib", "http", "io", "csv",
                          "fcntl", "sqlite3", "glob", "ffmpeg", "ctranslate2", "faster_whisper",
                          "sentencepiece", "importlib.resources"))
FILE_CALLS = frozenset(("open", "read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "unlink",
                        "touch", "rmdir", "iterdir", "glob", "rglob", "exists", "is_file", "is_dir", "stat",
                        "listdir", "scandir", "makedirs", "remove", "popen", "system"))
# Known exceptions, owned elsewhere (none now: issue 10 passes the glossary in as data).
WAITING: dict[str, set[str]] = {}


def impurities(name: str) -> set[str]:
    """What makes module `name` not pure: I/O imports (run-time ones) and file-system calls."""
    found = set()
    for imported in imports_of(name, runtime_only=True):
        top = imported if imported in IO_MODULES else ".".join(imported.split(".")[:2])
        if (top in IO_MODULES or imported.split(".")[0] in IO_LIBRARIES or imported in IO_LIBRARIES
                or top.startswith("pipeline.commands") or top.startswith("pipeline.server")):
            found.add(f"import {imported}")
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = (func.id if isinstance(func, ast.Name)
                      else func.attr if isinstance(func, ast.Attribute) else "")
            if called in FILE_CALLS:
                found.add(f"call {called}")
    return found


@pytest.mark.parametrize("module", [m for m in PURE if f"pipeline.{m}" in MODULES])
def test_the_pure_core_opens_no_file_and_imports_no_io_module(module: str) -> None:
    assert impurities(f"pipeline.{module}") <= WAITING.get(module, set())


def test_the_purity_check_catches_io(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = ("import subprocess\nfrom pipeline import cache\nfrom typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n    from pipeline.media import MediaInfo\n"
              "def f(p):\n    return p.read_text()\n")
    (tmp_path / "bad.py").write_text(source)
    monkeypatch.setitem(MODULES, "pipeline.bad", tmp_path / "bad.py")
    assert impurities("pipeline.bad") == {"import subprocess", "import pipeline.cache", "call read_text"}


# --- stage signatures ---------------------------------------------------------------------------------------

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _protocol_of(name: str) -> type:
    return typing.get_type_hints(context.Stages, vars(context))[name]


def _mismatches(impl: Callable[..., Any], protocol: type) -> list[str]:
    """How `impl` fails to accept every call the Protocol's __call__ allows ([] when it accepts them all)."""
    want = list(inspect.signature(protocol.__call__).parameters.values())[1:]  # without self
    have = inspect.signature(impl).parameters
    by_position = [p for p in have.values() if p.kind in _POSITIONAL]
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in have.values())
    problems, used = [], set()
    for i, p in enumerate(want):
        if p.kind in _POSITIONAL:
            got = by_position[i] if i < len(by_position) else None
            if got is None or (p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and got.name != p.name):
                problems.append(f"argument {i + 1} should be {p.name!r}")
                used.update([got.name] if got is not None else [])
                continue
        else:
            got = have.get(p.name)
            if got is None or got.kind not in (inspect.Parameter.KEYWORD_ONLY,
                                               inspect.Parameter.POSITIONAL_OR_KEYWORD):
                if not var_kw:
                    problems.append(f"no keyword {p.name!r}")
                continue
        used.add(got.name)
        if p.default is not inspect.Parameter.empty and got.default is inspect.Parameter.empty:
            problems.append(f"{p.name!r} may be left out but has no default")
    for extra in have.values():
        if (extra.name not in used and extra.default is inspect.Parameter.empty
                and extra.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)):
            problems.append(f"{extra.name!r} is required but never passed")
    return problems


@pytest.mark.parametrize("name", context.Stages.names())
def test_each_real_stage_accepts_the_call_its_protocol_describes(name: str) -> None:
    module, attr = getattr(context.STAGES, name).target
    impl = getattr(importlib.import_module(module), attr)
    assert _mismatches(impl, _protocol_of(name)) == []


@pytest.mark.parametrize("name", sorted(Fakes().registry()))
def test_each_fake_stage_accepts_the_call_its_protocol_describes(name: str) -> None:
    assert _mismatches(Fakes().registry()[name], _protocol_of(name)) == []


def test_the_signature_check_catches_drift() -> None:
    """The checker itself: a stage that renamed, dropped or added an argument is reported."""
    def renamed(path, options, cache, *, prompt=None, media_sha256=None): ...
    def no_keyword(path, opts, cache, *, prompt=None): ...
    def extra(path, opts, cache, preset, *, prompt=None, media_sha256=None): ...
    def fine(path, opts, cache, prompt=None, media_sha256=None, task="transcribe"): ...
    proto = _protocol_of("cached_transcript")
    assert _mismatches(renamed, proto) == ["argument 2 should be 'opts'"]
    assert _mismatches(no_keyword, proto) == ["no keyword 'media_sha256'"]
    assert _mismatches(extra, proto) == ["'preset' is required but never passed"]
    assert _mismatches(fine, proto) == []


def test_unknown_stage_names_are_refused() -> None:
    with pytest.raises(TypeError):
        context.STAGES.with_overrides({"transcibe": lambda *a: None})
