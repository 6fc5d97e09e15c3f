"""The reviewer round trip: which output files the pipeline wrote, and which a person has changed since.

The manifest (`<out_dir>/.pipeline/manifest.jsonl`, an append-only `Journal`) holds the sha256 of every
file the pipeline wrote, with a little metadata (e.g. the source SRT a translation was made from). A
file whose content differs from what we recorded, or a file we never recorded, belongs to a reviewer: it
is never overwritten, and it is read leniently and used as the input downstream.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import subtitles
from pipeline.cache import _UMASK, file_sha256, text_sha256
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

    def forget(self, path: str | os.PathLike[str]) -> None:
        """Drop a file's entry (it was moved away: what is at `path` next is whoever puts it there)."""
        with self._lock:
            key = self.key(path)
            if self._files.pop(key, None) is not None:
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
    current = None if state is FileState.ABSENT else file_sha256(p)
    if current == sha:
        manifest.record(p, sha, **meta)
        return WriteOutcome(p, "unchanged")
    if state.reviewer_owned:
        log.info("%s: edited by a reviewer, left as it is", p)
        return WriteOutcome(p, "kept")
    manifest.intend(p, sha)
    if not _replace_if_unchanged(p, text.encode("utf-8"), current):
        log.info("%s: a reviewer saved it while we were writing; their file was kept", p)
        return WriteOutcome(p, "kept")
    manifest.record(p, sha, **meta)
    return WriteOutcome(p, "written")


def has_manifest(folder: str | os.PathLike[str]) -> bool:
    """Whether the pipeline has written into `folder` (it then owns a manifest there)."""
    return manifest_path(Path(folder)).is_file()


def write_output(path: str | os.PathLike[str], text: str, **meta: Any) -> WriteOutcome:
    """What a single-file command writes into an output folder: the batch's rules, the folder's manifest.

    A reviewer's file there (edited since we wrote it, or never ours) is kept; the caller says so and fails.
    """
    return write_text(Manifest(Path(path).parent), path, text, **meta)


def _replace_if_unchanged(path: Path, data: bytes, expected: str | None) -> bool:
    """Put `data` at `path` only if `path` still holds `expected` (sha256; None = no file); else keep it.

    Closes the window between checking a file and replacing it: the old file is first moved aside (atomic),
    then checked, and ours is linked in only where no file is (a link never replaces). A reviewer's save
    that lands at any moment is either found and put back, or makes our link fail; it is never lost.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=path.suffix + ".part", dir=path.parent)
    tmp, aside = Path(name), Path(name + ".old.part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600: give what a plain open() would
        if expected is not None:
            try:
                os.rename(path, aside)
            except FileNotFoundError:
                return False  # deleted meanwhile: someone's decision; a later run writes it anew
            if file_sha256(aside) != expected:  # changed after our check: the reviewer's file goes back
                try:
                    os.link(aside, path)
                except FileExistsError:  # saved once more since: keep both, the newest in place
                    os.rename(aside, path.with_name(path.name + ".earlier"))
                    log.warning("%s: saved twice while we wrote; the earlier save is %s.earlier", path,
                                path.name)
                return False
        try:
            os.link(tmp, path)
        except FileExistsError:  # the reviewer saved in the instant the old file was aside
            if path.is_dir():  # not a save: something in the way, the caller must say so
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path)) from None
            return False
        except OSError:  # a file system without hard links: a plain rename, the window reopens by a hair
            os.replace(tmp, path)
        return True
    finally:
        for leftover in (tmp, aside):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def read_reviewed(path: str | os.PathLike[str]) -> list[Cue]:
    """Read a reviewer's SRT leniently; raise SubtitleParseError (file,
    line, cause) where meaning is unsure."""
    p = Path(path)
    if not p.read_bytes().strip(b"\xef\xbb\xbf \t\r\n"):
        raise SubtitleParseError(str(p), None,
                                 "the file is empty: restore its cues, or delete it to regenerate it")
    cues = subtitles.load_srt(p, lenient=True)
    if not cues:
        raise SubtitleParseError(str(p), None,
                                 "no cues found: restore them, or delete the file to regenerate it")
    return list(cues)
