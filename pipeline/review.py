"""The reviewer round trip: which output files the pipeline wrote, and which a person has changed since.

The manifest (`<out_dir>/.pipeline/manifest.jsonl`, an append-only `Journal`) holds the sha256 of every file the pipeline wrote, with a
little metadata (e.g. the source SRT a translation was made from). A file whose content differs from what we
recorded, or a file we never recorded, belongs to a reviewer: it is never overwritten, and it is read leniently
and used as the input downstream.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import subtitles
from pipeline.cache import atomic_write_text, file_sha256, text_sha256
from pipeline.errors import SubtitleParseError
from pipeline.journal import Journal
from pipeline.naming import manifest_path
from pipeline.types import Cue

log = logging.getLogger(__name__)



class FileState(enum.Enum):
    ABSENT = "absent"  # nothing there: ours to write
    OURS = "ours"  # exactly what we last wrote: ours to replace
    EDITED = "edited"  # we wrote it, someone changed it since
    FOREIGN = "foreign"  # there, but never written by us (manifest lost, or a file put there by hand)

    @property
    def reviewer_owned(self) -> bool:
        return self in (FileState.EDITED, FileState.FOREIGN)


@dataclass(frozen=True)
class WriteOutcome:
    path: Path
    status: str  # "written" | "unchanged" | "kept" (reviewer's file left as it is)

    @property
    def kept(self) -> bool:
        return self.status == "kept"


class Manifest:
    """Thread-safe record of the files written under one output folder, saved atomically on every change."""

    def __init__(self, out_dir: str | os.PathLike[str], shared: bool = False) -> None:
        """`shared`: other processes write this manifest at the same time (see `Journal`)."""
        self.out_dir = Path(out_dir)
        self.path = manifest_path(self.out_dir)
        self._lock = threading.RLock()
        self._journal = Journal(self.path, shared=shared)
        # A damaged line loses only its entry: that file is then treated as a reviewer's, which loses nothing.
        self._files: dict[str, dict[str, Any]] = self._journal.load()

    def _save(self, key: str) -> None:
        self._journal.put(key, self._files.get(key), self._files)

    def key(self, path: str | os.PathLike[str]) -> str:
        p = Path(path)
        try:
            return p.relative_to(self.out_dir).as_posix()
        except ValueError:
            return p.as_posix()

    def entry(self, path: str | os.PathLike[str]) -> dict[str, Any] | None:
        with self._lock:
            e = self._files.get(self.key(path))
            return dict(e) if e is not None else None

    def record(self, path: str | os.PathLike[str], sha256: str | None, **meta: Any) -> None:
        with self._lock:
            key = self.key(path)
            self._files[key] = {"sha256": sha256, **meta}
            self._save(key)

    def update_meta(self, path: str | os.PathLike[str], **meta: Any) -> None:
        with self._lock:
            key = self.key(path)
            e = self._files.get(key)
            if e is not None:
                e.update(meta)
                self._save(key)

    def intend(self, path: str | os.PathLike[str], sha256: str) -> None:
        """Note what we are about to write, before the rename: a run killed between the rename and `record`
        leaves a file that is still known as ours (not a reviewer's forever)."""
        with self._lock:
            key = self.key(path)
            self._files.setdefault(key, {"sha256": None})["pending"] = sha256
            self._save(key)

    def state(self, path: str | os.PathLike[str]) -> FileState:
        p = Path(path)
        if not p.is_file():
            return FileState.ABSENT
        e = self.entry(p)
        if e is None:
            return FileState.FOREIGN
        ours = {e.get("sha256"), e.get("pending")} - {None}
        return FileState.OURS if file_sha256(p) in ours else FileState.EDITED


def write_text(manifest: Manifest, path: str | os.PathLike[str], text: str, **meta: Any) -> WriteOutcome:
    """Write `text` to `path` atomically unless a reviewer owns the file there; record what we wrote.

    A file already holding exactly `text` is only recorded (this also heals a run killed between the rename
    and the manifest update). Nothing, not even --force, writes over a reviewer's file.
    """
    p = Path(path)
    sha = text_sha256(text)
    state = manifest.state(p)
    if state is not FileState.ABSENT and file_sha256(p) == sha:
        manifest.record(p, sha, **meta)
        return WriteOutcome(p, "unchanged")
    if state.reviewer_owned:
        log.info("%s: edited by a reviewer, left as it is", p)
        return WriteOutcome(p, "kept")
    manifest.intend(p, sha)
    atomic_write_text(p, text)
    manifest.record(p, sha, **meta)
    return WriteOutcome(p, "written")


def read_reviewed(path: str | os.PathLike[str]) -> list[Cue]:
    """Read a reviewer's SRT leniently; raise SubtitleParseError (file, line, cause) where meaning is unsure."""
    p = Path(path)
    if not p.read_bytes().strip(b"\xef\xbb\xbf \t\r\n"):
        raise SubtitleParseError(str(p), None, "the file is empty: restore its cues, or delete it to regenerate it")
    cues = subtitles.load_srt(p, lenient=True)
    if not cues:
        raise SubtitleParseError(str(p), None, "no cues found: restore them, or delete the file to regenerate it")
    return list(cues)
