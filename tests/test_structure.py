"""The code's shape, checked: stage signatures match their Protocols (real stages and the test fakes)."""

from __future__ import annotations

import importlib
import inspect
import typing
from collections.abc import Callable
from typing import Any

import pytest
from fake_stages import Fakes

from pipeline import context

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
