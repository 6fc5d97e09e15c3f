"""A dict kept on disk as an append-only JSON-lines log: one fsynced line per change, replayed on load.

Rewriting a whole JSON file on every change is O(n) a change, O(n^2) over a batch of hundreds of videos (7,500
manifest entries took 98 s of rewriting); an appended line is O(1). A line torn by a killed run is
ignored. The writer compacts the log (an atomic rewrite of the live entries) when it has a torn tail or
far more lines than keys. Readers never write: `status` can read while a run appends.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.cache import atomic_write_text

log = logging.getLogger(__name__)

SLACK = 64  # lines beyond twice the live keys before the log is compacted


class Journal:
    """The log at `path`. `load()` replays it; `put()` appends one change (value None deletes the key)."""

    def __init__(self, path: str | os.PathLike[str], shared: bool = False) -> None:
        self.path = Path(path)
        self.lines = 0
        self._compact_due = False
        # Shared: processes on several machines append to this log at once (the Ray executor). Each knows
        # only its own changes, so none may compact (it would drop the others' lines); a plain run later does.
        self.shared = shared

    def load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        lines = raw.split(b"\n")
        torn = lines.pop()  # b"" when the last append completed
        self._compact_due = bool(torn)
        data: dict[str, Any] = {}
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                key, value = entry["k"], entry["v"]
            except (ValueError, KeyError, TypeError):
                log.warning("%s:%d: unreadable line skipped", self.path, number)
                self._compact_due = True
                continue
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        self.lines = len(lines)
        return data

    def put(self, key: str, value: Any, current: Mapping[str, Any]) -> None:
        """Record `key` = `value`; `current` is the whole dict after the
        change (written out when compacting)."""
        if not self.shared and (self._compact_due or self.lines + 1 > 2 * len(current) + SLACK):
            self.compact(current)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            if self.shared:  # one whole line at a time whatever its length, among the writers of this log
                fcntl.flock(f, fcntl.LOCK_EX)
            f.write(_line(key, value))
            f.flush()
            os.fsync(f.fileno())
        self.lines += 1

    def compact_if_due(self) -> None:
        """Re-read the log and compact it when a plain writer would: for the end of a run whose writers were
        all `shared` (each appended, none compacted). Call it only when no one else is writing."""
        current = self.load()
        if self._compact_due or self.lines > 2 * len(current) + SLACK:
            self.compact(current)

    def compact(self, current: Mapping[str, Any]) -> None:
        atomic_write_text(self.path, "".join(_line(k, v) for k, v in sorted(current.items())))
        self.lines, self._compact_due = len(current), False


def _line(key: str, value: Any) -> str:
    return json.dumps({"k": key, "v": value}, ensure_ascii=False, sort_keys=True) + "\n"
