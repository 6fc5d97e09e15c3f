"""`python -m pipeline check SRT_OR_FOLDER...`: the style-guide QC gate (exit 1 when any error is found)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from pipeline import glossary, qc, review, vad
from pipeline.cache import atomic_write_bytes
from pipeline.commands.common import _lang, _override, add_encoding_arg, existing_file
from pipeline.errors import SubtitleParseError, UsageError
from pipeline.langid import guess_language
from pipeline.naming import language_from_name
from pipeline.profiles import PRESETS, profile
from pipeline.srtcheck import check_file
from pipeline.subtitles import decode_srt, format_timestamp, parse_srt_blocks, srt_to_string

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", type=Path, metavar="SRT_OR_FOLDER",
                   help="SRT files, or folders searched for *.srt")
    p.add_argument("--lang", type=_lang, default=None,
                   help="language of the text (default: from NAME.<lang>.srt, else from the script)")
    p.add_argument("--preset", choices=list(PRESETS), default=None,
                   help="line layout limits (default: the preset `run` made the file for, else landscape)")
    p.add_argument("--set", dest="profile_overrides", type=_override, action="append", default=[],
                   metavar="NAME=NUMBER", help="override a profile limit, e.g. --set max_cps=15")
    p.add_argument("--glossary", type=existing_file, default=None,
                   help="campaign glossary CSV whose names are kept as written (default: the shipped one)")
    p.add_argument("--media", type=Path, default=None, metavar="VIDEO",
                   help="the video (or audio) the SRTs subtitle: also report speech with no cue over it "
                        "(speech_without_subtitle)")
    p.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    p.add_argument("--fix", action="store_true",
                   help="apply safe fixes in place (renumbering, typography, tiny gaps; never words), "
                        "keeping a backup NAME.srt.bak")
    add_encoding_arg(p)


# Folders of a run's output that hold no subtitles of their own to judge.
_COPIES, _SET_ASIDE = "social", "stale"


def _files(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The SRT files to check, and notes on what was left out (copies, set-aside files, no-speech files)."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"not found: {', '.join(missing)}")
    files: list[Path] = []
    notes: list[str] = []
    for p in paths:
        if not p.is_dir():
            files.append(p)
            continue
        found = sorted(f for f in p.rglob("*") if f.suffix.lower() == ".srt")
        copies = [f for f in found if f.relative_to(p).parts[0] == _COPIES]
        if copies:  # social/NAME.ll_CC.srt: the same cues as NAME.ll.srt, checked there
            notes.append(f"{len(copies)} file(s) in {p / _COPIES} skipped: copies of the SRT files checked "
                         f"here")
        files += [f for f in found if f.relative_to(p).parts[0] not in (_COPIES, _SET_ASIDE)
                  and not any(part.startswith(".") for part in f.relative_to(p).parts)]
    if not files:
        raise UsageError(f"no .srt files in {', '.join(map(str, paths))}")
    return files, notes


def _no_speech(path: Path) -> bool:
    """`NAME.und.srt` as `run` writes it for a video without speech: no cues, nothing to judge."""
    return Path(path.stem).suffix == ".und" and not path.read_bytes().strip(b"\xef\xbb\xbf \t\r\n")


def _made_for(path: Path, manifests: dict[Path, review.Manifest]) -> str | None:
    """The preset `run` wrote this SRT for (recorded in its output folder's manifest), if any."""
    folder = path.parent
    if folder not in manifests:
        manifests[folder] = review.Manifest(folder)
    return (manifests[folder].entry(path) or {}).get("preset")


def _backup_path(path: Path) -> Path:
    candidate, k = path.with_name(path.name + ".bak"), 1
    while candidate.exists():  # never overwrite an earlier backup
        candidate, k = path.with_name(f"{path.name}.bak{k}"), k + 1
    return candidate


def fix_file(path: Path, lang: str | None, preset: str, overrides: dict[str, float],
             names: tuple[str, ...] = (), encoding: str | None = None) -> list[str]:
    """Rewrite `path` with the safe fixes (UTF-8, renumbered) after backing it up; returns what changed."""
    data = path.read_bytes()
    text, notes = decode_srt(data, str(path), encoding)
    blocks = parse_srt_blocks(text)
    broken = [n for n, b in enumerate(blocks, start=1) if b.error is not None]
    if broken:
        raise SubtitleParseError(str(path), blocks[broken[0] - 1].timing_line,
                                 f"not fixed: cue {broken[0]} has an unreadable timecode; correct it by "
                                 f"hand first")
    lang = lang or language_from_name(path) or guess_language(text)
    cues, changes = qc.safe_fixes([b.cue() for b in blocks], profile(lang, preset, overrides, names))
    if [b.number for b in blocks] != list(range(1, len(blocks) + 1)):
        changes.append("cues renumbered from 1")
    changes += [f"file: {note}" for note in notes]
    new = srt_to_string(cues).encode("utf-8")
    if new == data:
        return []
    backup = _backup_path(path)
    atomic_write_bytes(backup, data)
    atomic_write_bytes(path, new)
    log.info("%s: backup written to %s", path, backup)
    return changes


def _table(report: qc.Report) -> str:
    c = report.conformity
    head = (f"{report.path} ({report.language}, {report.preset}): {report.cues} cues, {report.errors} "
            f"errors, {report.warnings} warnings; within limits: chars/line {c['chars_per_line']:g}%, "
            f"reading speed {c['reading_speed']:g}%, lines {c['line_count']:g}%")
    rows = [head] + [f"  note: {note}" for note in report.notes]
    if report.findings:
        rows.append(f"  {'cue':>4}  {'time':<12}  {'severity':<8}  {'code':<17}  message")
    for f in report.findings:
        at = format_timestamp(f.start_ms) if f.start_ms is not None else "-"
        rows.append(f"  {f.cue if f.cue is not None else '-':>4}  {at:<12}  {f.severity:<8}  {f.code:<17}  "
                    f"{f.message}")
    return "\n".join(rows)


def handle(args: argparse.Namespace) -> int:
    overrides = dict(args.profile_overrides)
    # reject unknown settings before reading anything
    profile(args.lang or "en", args.preset or "landscape", overrides)
    names = glossary.load(args.glossary).names()
    media = getattr(args, "media", None)
    if media is not None and not media.is_file():
        raise UsageError(f"--media {media}: no such file")
    status = 0
    results: list[dict[str, object]] = []
    files, notes = _files(args.paths)
    speech = vad.speech_spans(media) if media is not None else None
    manifests: dict[Path, review.Manifest] = {}
    for path in files:
        if _no_speech(path):
            notes.append(f"{path}: no speech in the video, no cues to check (write them and rename it "
                         f"NAME.<lang>.srt to subtitle it)")
            continue
        preset = args.preset or _made_for(path, manifests) or "landscape"
        try:
            fixed = fix_file(path, args.lang, preset, overrides, names, args.encoding) if args.fix else []
            report = check_file(path, args.lang, preset, overrides, names, args.encoding, speech)
        except SubtitleParseError as exc:
            status = 1
            results.append({"path": str(path), "error": str(exc)})
            if not args.json:
                print(f"error: {exc}")
            continue
        status = max(status, 1 if report.errors else 0)
        entry = report.to_json()
        entry["fixed"] = fixed
        results.append(entry)
        if not args.json:
            print(_table(report))
            for change in fixed:
                print(f"  fixed: {change}")
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    for note in notes:
        print(f"note: {note}", file=sys.stderr if args.json else sys.stdout)
    return status
