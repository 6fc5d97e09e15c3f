"""The page's JSON <-> cues, pure: validation that names the first problem, reviewed-mark fingerprints, QC
findings as the page shows them (the rules are `qc`'s, never a copy)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from pipeline import qc
from pipeline.profiles import Profile
from pipeline.server.errors import BadRequest
from pipeline.types import Cue


def _whole_ms(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{where} must be a whole number of milliseconds, got {value!r}")
    if value < 0:
        raise BadRequest(f"{where} must not be negative, got {value}")
    return value


def cues_from_json(data: Any, *, for_saving: bool = False) -> list[Cue]:
    """Cues from the page's JSON (`[{"start_ms", "end_ms", "lines"}]`); BadRequest naming the first problem.

    `for_saving` also refuses what would make an SRT the pipeline cannot read back with certainty: a cue that
    ends before it starts, a cue without text, cues out of order or sharing a start.
    """
    if not isinstance(data, list):
        raise BadRequest("'cues' must be a list of cues")
    cues: list[Cue] = []
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise BadRequest(f"cue {n}: must be an object with start_ms, end_ms and lines")
        unknown = set(item) - {"start_ms", "end_ms", "lines"}
        if unknown:
            raise BadRequest(f"cue {n}: unknown field(s) {', '.join(sorted(unknown))}")
        start = _whole_ms(item.get("start_ms"), f"cue {n}: start_ms")
        end = _whole_ms(item.get("end_ms"), f"cue {n}: end_ms")
        lines = item.get("lines")
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise BadRequest(f"cue {n}: lines must be a list of strings")
        if any(("\n" in x or "\r" in x or "\x00" in x) for x in lines):
            raise BadRequest(f"cue {n}: a line must not hold a line break or NUL (send one string per line)")
        if for_saving:
            if end <= start:
                raise BadRequest(f"cue {n}: ends at {end} ms, not after its start {start} ms")
            if not any(x.strip() for x in lines):
                raise BadRequest(f"cue {n}: has no text (delete it or write its words)")
            if cues and start <= cues[-1].start_ms:
                raise BadRequest(f"cue {n}: starts at {start} ms, not after cue {n - 1} "
                                 f"({cues[-1].start_ms} ms)")
        cues.append(Cue(start, end, tuple(x.rstrip() for x in lines) if for_saving else tuple(lines)))
    return cues


def cue_to_json(cue: Cue) -> dict[str, Any]:
    return {"start_ms": cue.start_ms, "end_ms": cue.end_ms, "lines": list(cue.lines)}


def fingerprint(cue: Cue) -> str:
    """What a "reviewed" mark is attached to: a cue whose times or words
    change is no longer the one marked."""
    blob = f"{cue.start_ms}|{cue.end_ms}|" + "\n".join(cue.lines)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def findings_json(cues: Sequence[Cue], prof: Profile) -> list[dict[str, Any]]:
    """`check`'s findings for these cues (the same rules, the same codes), as the page shows them."""
    found = qc.check_cues(cues, prof)
    if not cues:
        found.append(qc.Finding(qc.CODES["no_cues"], "no_cues", None, None, "no cues"))
    return [{"code": f.code, "severity": f.severity, "cue": f.cue, "message": f.message} for f in found]
