"""`python -m pipeline status [PATH ...]`: what is done, stale, interrupted or failed; runs nothing.

Read from the run record and the review manifest in the output folder; no model is loaded and no video is
hashed unless its size or date changed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import review
from pipeline.batch import discover, recorded_stems
from pipeline.cache import file_sha256
from pipeline.naming import mp4_path, output_stems, srt_path
from pipeline.report import RunState, VideoResult
from pipeline.steps import media_identity


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, default=[Path("videos")], metavar="PATH",
                   help="video files or folders (default: videos/)")
    p.add_argument("-o", "--out-dir", type=Path, default=Path("subtitles"))


def _input_changed(video: Path, record: VideoResult) -> bool:
    return media_identity(video, record.input)["sha256"] != record.input.get("sha256")


def _sha_or_none(path: Path) -> str | None:
    return file_sha256(path) if path.is_file() else None


def _translation_note(srt: Path, state: review.FileState, entry: dict, src_srt: Path,
                      src_sha: str | None) -> str:
    """Whether a translation still goes with its source SRT ("" when it does)."""
    flagged = entry.get("needs_look")
    if flagged and state.reviewer_owned and flagged == file_sha256(srt):  # not touched since it was flagged
        return f"needs a look ({src_srt.name} changed since {srt.name} was translated)"
    made_from = entry.get("from_srt")
    if not (made_from and src_sha and made_from != src_sha):
        return ""
    if state.reviewer_owned:  # never replaced: the next run flags it for the reviewer
        return f"needs a look ({src_srt.name} changed since {srt.name} was translated)"
    return f"stale: translation ({src_srt.name} changed since, `make subtitles`)"


def _language_notes(out_dir: Path, manifest: review.Manifest, record: VideoResult) -> list[str]:
    notes = []
    src_srt = srt_path(out_dir, record.stem, record.source or "")
    src_sha = file_sha256(src_srt) if record.source and src_srt.is_file() else None
    for lang, lr in record.langs.items():
        srt = srt_path(out_dir, record.stem, lang)
        if lr.error:
            notes.append(f"{lang}: failed: {lr.error}")
            continue
        state = manifest.state(srt)
        if state is review.FileState.ABSENT:
            notes.append(f"{lang}: stale: {srt.name} missing")
            continue
        if state.reviewer_owned:
            notes.append(f"{lang}: reviewer-edited")
        if lang != record.source and (note := _translation_note(srt, state, manifest.entry(srt) or {},
                                                                src_srt, src_sha)):
            notes.append(f"{lang}: {note}")
        mp4 = mp4_path(out_dir, record.stem, lang)
        burned = manifest.entry(mp4)
        if burned and (not mp4.is_file() or burned.get("from_srt") != file_sha256(srt)):
            notes.append(f"{lang}: stale: burn ({srt.name} changed since, `make burn`)")
    return notes


def describe(video: Path, record: VideoResult | None, out_dir: Path,
             manifest: review.Manifest) -> tuple[str, str]:
    """(state, details) for one video: new | interrupted | failed | stale | done."""
    if record is None:
        return "new", ""
    if record.running:
        return "interrupted", f"during {record.running}: the next run resumes it"
    if record.error:
        return "failed", record.error.removeprefix(f"{record.video}: ")
    if _input_changed(video, record):
        return "stale", "the video changed since it was processed"
    notes = _language_notes(out_dir, manifest, record)
    if any(": failed" in n for n in notes):
        return "failed", "; ".join(notes)
    if any(": stale" in n for n in notes):
        return "stale", "; ".join(notes)
    return "done", "; ".join(notes)


def handle(args: argparse.Namespace) -> int:
    out_dir = Path(args.out_dir)
    videos = discover(args.paths, out_dir)
    state, manifest = RunState(out_dir), review.Manifest(out_dir)
    stems = output_stems(videos, recorded_stems(state))
    rows = [(v.name, *describe(v, state.videos.get(stems[v]), out_dir, manifest)) for v in videos]
    width = max(len("video"), *(len(r[0]) for r in rows))
    print(f"{'video':<{width}}  {'state':<11}  details")
    for name, verdict, details in rows:
        print(f"{name:<{width}}  {verdict:<11}  {details}".rstrip())
    counts = {k: sum(r[1] == k for r in rows) for k in ("done", "stale", "interrupted", "failed", "new")}
    print(", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing to report")
    return 0
