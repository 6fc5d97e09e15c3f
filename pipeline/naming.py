"""Every name the pipeline gives a file, and the language a file's name says: one home for both.

For a video given the output stem `<stem>`, in the output folder: `<stem>.<lang>.srt`, `<stem>.<lang>.vtt`,
`<stem>.<lang>.mp4`, `social/<stem>.<ll_CC>.srt` (Facebook's naming), and the pipeline's own records under
`.pipeline/`. Pure: builds paths, never touches the file system.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from pipeline.profiles import LANGUAGES, language

SOCIAL_DIR = "social"  # Facebook-named SRTs
STALE_DIR = "stale"  # translations (and their exports, burns) that no longer go with their source SRT
STATE_DIR = ".pipeline"  # the pipeline's records: manifest, run record, lock
MANIFEST_NAME = "manifest.jsonl"
STATE_NAME = "state.jsonl"
LOCK_NAME = "lock"
MAX_STEM_BYTES = 180  # leaves room for ".<lang>.mp4" and the temp-file prefix/suffix within 255 bytes


# --- outputs of one video ----------------------------------------------------------------------------

def srt_path(out_dir: Path, stem: str, lang: str) -> Path:
    return Path(out_dir) / f"{stem}.{lang}.srt"


def vtt_path(out_dir: Path, stem: str, lang: str) -> Path:
    return Path(out_dir) / f"{stem}.{lang}.vtt"


def mp4_path(out_dir: Path, stem: str, lang: str) -> Path:
    return Path(out_dir) / f"{stem}.{lang}.mp4"


def social_path(out_dir: Path, stem: str, lang: str) -> Path:
    """Facebook's caption file naming: NAME.ll_CC.srt (e.g. ar_AR, fr_FR, en_US)."""
    return Path(out_dir) / SOCIAL_DIR / f"{stem}.{language(lang).facebook_locale}.srt"


def stale_dir(out_dir: Path) -> Path:
    return Path(out_dir) / STALE_DIR


# --- the pipeline's records --------------------------------------------------------------------------

def state_dir(out_dir: Path) -> Path:
    return Path(out_dir) / STATE_DIR


def manifest_path(out_dir: Path) -> Path:
    return state_dir(out_dir) / MANIFEST_NAME


def run_record_path(out_dir: Path) -> Path:
    return state_dir(out_dir) / STATE_NAME


def lock_path(out_dir: Path) -> Path:
    return state_dir(out_dir) / LOCK_NAME


def output_folders(out_dir: Path) -> tuple[Path, ...]:
    """Every folder the pipeline writes into (where an interrupted run may leave temporary files)."""
    return Path(out_dir), Path(out_dir) / SOCIAL_DIR, state_dir(out_dir)


# --- the language a name says ------------------------------------------------------------------------

def split_name(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """("talk", "ar") for talk.ar.srt and Facebook's talk.ar_AR.srt; ("talk", None) for talk.srt.

    The language is the last inner suffix naming one; the base is what comes before it (what a sibling
    file in another language is named from).
    """
    p = Path(path)
    parts = p.name.split(".")
    for i in range(len(parts) - 2, 0, -1):
        code = parts[i].split("_")[0].lower()
        if code in LANGUAGES and ".".join(parts[:i]):
            return ".".join(parts[:i]), code
    return p.stem, None


def language_from_name(path: str | os.PathLike[str]) -> str | None:
    """`talk.ar.srt` or `talk.ar_AR.srt` -> "ar"; `talk.srt` -> None."""
    return split_name(path)[1]


# --- output stems ------------------------------------------------------------------------------------

def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def safe_stem(stem: str) -> str:
    """The original stem where the filesystem allows: undecodable bytes and over-long names are replaced."""
    clean = stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\ufffd", "_")
    clean = clean.replace("\n", "_").replace("\r", "_")
    data = clean.encode("utf-8")
    if clean != stem or len(data) > MAX_STEM_BYTES:
        clean = data[:MAX_STEM_BYTES - 9].decode("utf-8", "ignore") + "-" + _short_hash(stem)
    return clean or _short_hash(stem)


def output_stems(videos: list[Path], recorded: Mapping[str, str] | None = None) -> dict[Path, str]:
    """A unique output stem per video, stable across runs whatever subset each run is given.

    `recorded` maps the stems of the run record to the video they were given to. A video keeps its
    recorded stem; otherwise it gets its own name unless that is taken (recorded for another video, or
    given to another video of this run), and then its name plus a hash of its path.
    """
    recorded = dict(recorded or {})
    stems: dict[Path, str] = {}
    by_path = {path: stem for stem, path in recorded.items()}
    taken = {stem.casefold() for stem in recorded}
    for v in sorted(videos):
        if str(v) in by_path:
            stems[v] = by_path[str(v)]
    for v in sorted(videos):
        if v in stems:
            continue
        s = safe_stem(v.stem)
        if s.casefold() in taken:
            s = f"{s}-{_short_hash(str(v))}"
        taken.add(s.casefold())
        stems[v] = s
    return stems
