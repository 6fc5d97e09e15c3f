"""Argos Translate packages: find them, route a direction (direct or through English), install them.

A package is an `.argosmodel` zip of one folder, or that folder unpacked: `metadata.json`, a CTranslate2
`model/` and a tokenizer (`sentencepiece.model`, or `bpe.model` for Moses + BPE). Folders searched, first
match wins: `Options.models_dir`, the project's `models/`, then `$ARGOS_PACKAGES_DIR` or
`~/.local/share/argos-translate/packages/`. Zips are unpacked once into the cache, keyed by their hash.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.cache import default_cache_dir, file_sha256
from pipeline.errors import MissingPackageError, ModelError, UsageError
from pipeline.options import Options
from pipeline.profiles import LANGUAGES

log = logging.getLogger(__name__)

PIVOT = "en"
PROJECT_MODELS = Path(__file__).resolve().parent.parent / "models"
TOKENIZERS = {"sentencepiece.model": "sentencepiece", "bpe.model": "bpe"}


@dataclass(frozen=True)
class Package:
    code: str  # e.g. "translate-ar_en"
    from_code: str
    to_code: str
    version: str
    path: Path  # the unpacked folder, or the .argosmodel zip
    tokenizer: str  # "sentencepiece" | "bpe"
    target_prefix: str = ""
    inner: str = ""  # folder name inside a zip

    @property
    def is_zip(self) -> bool:
        return self.path.is_file()

    @property
    def identity(self) -> str:
        """What the translation cache keys on: the package and its weights' content."""
        return f"{self.code}@{self.version}:{self.from_code}-{self.to_code}:{_content_hash(self.path)}"

    def __str__(self) -> str:
        return f"{self.code} {self.version} ({self.from_code}->{self.to_code}, {self.path})"


@lru_cache(maxsize=64)
def _hash_cached(path: str, size: int, mtime_ns: int) -> str:
    return file_sha256(path)[:16]


def _content_hash(path: Path) -> str:
    target = path if path.is_file() else path / "model" / "model.bin"
    st = target.stat()
    return _hash_cached(str(target), st.st_size, st.st_mtime_ns)


# --- finding ---------------------------------------------------------------------------------------

def search_dirs(opts: Options) -> list[Path]:
    env = os.environ.get("ARGOS_PACKAGES_DIR")
    standard = Path(env) if env else Path.home() / ".local" / "share" / "argos-translate" / "packages"
    dirs = [opts.models_dir] if opts.models_dir else []
    return [Path(d) for d in (*dirs, PROJECT_MODELS, standard)]


def install_dir(opts: Options) -> Path:
    """Where `models install` puts packages: --models-dir if given, else the standard Argos folder."""
    return search_dirs(opts)[0] if opts.models_dir else search_dirs(opts)[-1]


def _packages_from_meta(meta: dict, path: Path, names: set[str], inner: str = "") -> Iterator[Package]:
    tokenizer = next((kind for fname, kind in TOKENIZERS.items() if fname in names), None)
    if tokenizer is None or "model/model.bin" not in names:
        log.warning("%s: not a usable Argos package (needs model/model.bin and a tokenizer); skipped", path)
        return
    sources = meta.get("from_codes") or [meta.get("from_code")]
    targets = meta.get("to_codes") or [meta.get("to_code")]
    for src in sources:
        for tgt in targets:
            if src and tgt and src != tgt:
                yield Package(code=str(meta.get("code") or f"translate-{src}_{tgt}"), from_code=src,
                              to_code=tgt, version=str(meta.get("package_version", "?")), path=path,
                              tokenizer=tokenizer, target_prefix=str(meta.get("target_prefix") or ""),
                              inner=inner)


def _read_dir(folder: Path) -> list[Package]:
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    return list(_packages_from_meta(meta, folder, names))


def _read_zip(archive: Path) -> list[Package]:
    with zipfile.ZipFile(archive) as zf:
        metas = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith("/metadata.json")]
        if not metas:
            raise ValueError("no <folder>/metadata.json inside")
        inner = metas[0].split("/")[0]
        meta = json.loads(zf.read(metas[0]).decode("utf-8"))
        names = {n[len(inner) + 1:] for n in zf.namelist() if n.startswith(inner + "/")}
    return list(_packages_from_meta(meta, archive, names, inner))


def read_package(path: Path) -> list[Package]:
    """The package(s) in one folder or `.argosmodel` (a multilingual package covers several directions)."""
    try:
        return _read_zip(path) if path.is_file() else _read_dir(path)
    except (OSError, ValueError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: not a readable Argos package ({exc})") from exc


def _candidates(folder: Path) -> Iterator[Path]:
    if (folder / "metadata.json").is_file():  # the folder is itself a package
        yield folder
        return
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir()):
        if entry.suffix == ".argosmodel" and entry.is_file() or (entry / "metadata.json").is_file():
            yield entry


def find_packages(opts: Options) -> list[Package]:
    """Every usable package in the search folders, in priority order (unreadable ones are logged)."""
    if opts.models_dir and not Path(opts.models_dir).is_dir():
        log.warning("%s: --models-dir is not a folder; ignored", opts.models_dir)
    found: list[Package] = []
    for folder in search_dirs(opts):
        for entry in _candidates(folder):
            try:
                found.extend(read_package(entry))
            except ModelError as exc:
                log.warning("%s; skipped", exc)
    return found


# --- routing ---------------------------------------------------------------------------------------

def _direct(src: str, tgt: str, packages: Sequence[Package]) -> Package | None:
    return next((p for p in packages if p.from_code == src and p.to_code == tgt), None)


def route(src: str, tgt: str, packages: Sequence[Package]) -> tuple[Package, ...] | None:
    """The packages to chain for src->tgt: one direct package, else src->en->tgt; None when neither."""
    if src == tgt:
        return ()
    direct = _direct(src, tgt, packages)
    if direct is not None:
        return (direct,)
    if PIVOT in (src, tgt):
        return None
    first, second = _direct(src, PIVOT, packages), _direct(PIVOT, tgt, packages)
    return (first, second) if first and second else None


def needed_codes(src: str, tgt: str, packages: Sequence[Package]) -> list[str]:
    """The Argos index packages still to install for src->tgt (through English where no direct one exists)."""
    if PIVOT in (src, tgt):
        return [f"translate-{src}_{tgt}"]
    return [f"translate-{a}_{b}" for a, b in ((src, PIVOT), (PIVOT, tgt)) if not _direct(a, b, packages)]


def missing_message(src: str, tgt: str, packages: Sequence[Package], opts: Options) -> str:
    codes = needed_codes(src, tgt, packages)
    legs = [c.removeprefix("translate-").split("_") for c in codes]
    commands = " && ".join(f"python -m pipeline models install {a} {b}" for a, b in legs)
    return (f"no translation package for {src}->{tgt}: install {' and '.join(codes)} "
            f"(`{commands}` online, or `python -m pipeline models install FILE.argosmodel`; "
            f"searched {', '.join(str(d) for d in search_dirs(opts))})")


def missing_for(src: str, tgt: str, opts: Options) -> str:
    """The one-line cause for a direction with no route, naming the packages to install."""
    return missing_message(src, tgt, find_packages(opts), opts)


def preflight(src: str | None, targets: Sequence[str] | None,
              opts: Options) -> dict[str, tuple[Package, ...]]:
    """Routes for the run, checked before any transcription.

    With `src` known the keys are target codes; with `src=None` (detected later) every source is checked
    and the keys are "src->tgt". An explicit target raises MissingPackageError (exit 2) when it cannot be
    reached: from `src`, or, with the source still unknown, from any other language (a video whose detected
    language has no route then fails alone, naming the package). Default targets without a route are
    simply absent (the caller warns).
    """
    packages = find_packages(opts)
    sources = [src] if src else list(LANGUAGES)
    explicit = targets is not None
    routes: dict[str, tuple[Package, ...]] = {}
    missing: dict[str, list[str]] = {}
    for s in sources:
        for t in (targets if explicit else list(LANGUAGES)):
            if t == s:
                continue
            chain = route(s, t, packages)
            if chain is not None:
                routes[t if src else f"{s}->{t}"] = chain
            elif explicit:
                missing.setdefault(t, []).append(missing_message(s, t, packages, opts))
    reached = {key.rsplit("->", 1)[-1] for key in routes}
    unreachable = [msg for t, msgs in missing.items() if t not in reached for msg in msgs]
    if unreachable:
        raise MissingPackageError("; ".join(unreachable))
    return routes


def directions_table(packages: Sequence[Package]) -> list[tuple[str, str, str, str]]:
    """(src, tgt, "direct" | "pivot" | "missing", packages used) for the six ar/fr/en directions."""
    rows = []
    for s in LANGUAGES:
        for t in LANGUAGES:
            if s == t:
                continue
            chain = route(s, t, packages)
            kind = "missing" if chain is None else ("direct" if len(chain) == 1 else "pivot")
            used = " + ".join(p.code for p in chain) if chain else ", ".join(needed_codes(s, t, packages))
            rows.append((s, t, kind, used))
    return rows


# --- unpacking and installing ----------------------------------------------------------------------

def _extract_to(archive: Path, inner: str, target: Path) -> Path:
    """Unpack `inner/` of the zip as `target`, atomically (a temporary folder renamed into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if not name.startswith(inner + "/") or name.endswith("/"):
                    continue
                rel = Path(name[len(inner) + 1:])
                if rel.is_absolute() or ".." in rel.parts:
                    raise ModelError(f"{archive}: unsafe path {name!r} in package")
                dest = tmp / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as fin, open(dest, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


# Batch jobs translate in threads: each zip is unpacked once.
_UNPACK_LOCK = threading.Lock()


def unpacked(package: Package, opts: Options) -> Path:
    """The package's folder: itself, or its zip unpacked once into the cache."""
    if not package.is_zip:
        return package.path
    root = Path(opts.cache_dir) if opts.cache_dir else default_cache_dir()
    folder = root / "argos-packages" / f"{package.inner}-{_content_hash(package.path)}"
    with _UNPACK_LOCK:
        if not (folder / "metadata.json").is_file():
            _extract_to(package.path, package.inner, folder)
    return folder


def install_file(archive: Path, opts: Options) -> list[Package]:
    """Install a local `.argosmodel` into the install folder (unpacked, as argostranslate does)."""
    if not archive.is_file():
        raise UsageError(f"{archive}: no such file")
    packages = read_package(archive)
    if not packages:
        raise ModelError(f"{archive}: not a usable Argos package (needs model/model.bin and a tokenizer)")
    folder = _extract_to(archive, packages[0].inner, install_dir(opts) / packages[0].inner)
    return read_package(folder)


def install_online(src: str, tgt: str, opts: Options) -> list[Package]:
    """Fetch src->tgt (or both English legs) from the Argos index with the optional argostranslate library."""
    try:
        import argostranslate.package as argos_package  # type: ignore[import-not-found]
    except ImportError:
        raise UsageError(
            "online install needs the optional argostranslate library (pip install '.[argos]', pulls torch); "
            f"otherwise download {' and '.join(needed_codes(src, tgt, []))} (.argosmodel) from "
            "https://www.argosopentech.com/argospm/index/ and run `python -m pipeline models install FILE`"
        ) from None
    legs = [(src, tgt)] if PIVOT in (src, tgt) else [(src, PIVOT), (PIVOT, tgt)]
    try:
        argos_package.update_package_index()
        available = argos_package.get_available_packages()
    except Exception as exc:  # network errors come in many types
        raise ModelError(f"cannot reach the Argos package index: {exc}") from exc
    installed: list[Package] = []
    for a, b in legs:
        match = next((p for p in available if p.from_code == a and p.to_code == b), None)
        if match is None:
            raise ModelError(f"the Argos index has no package for {a}->{b}")
        installed.extend(install_file(Path(match.download()), opts))
    return installed
