"""What the review page may read and change, without HTTP: the listed videos, their SRTs, QC, saves.

Every file is reached from a video id (its output stem) and a language code from the profiles table, never
from a path sent by the browser; files that resolve outside their folder (symlinks) are refused.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import naming, review, srtcheck, subtitles
from pipeline.batch import discover, recorded_stems
from pipeline.cache import Cache, atomic_write_text, file_sha256, key_of, text_sha256
from pipeline.errors import PipelineError
from pipeline.journal import Journal
from pipeline.media import MediaInfo, probe
from pipeline.options import Options
from pipeline.profiles import LANGUAGES, PRESETS, Profile, profile, resolve_preset
from pipeline.report import RunState
from pipeline.server.errors import BadRequest, Conflict, NotFound, Refused, RequestError, Unreadable
from pipeline.server.payload import cue_to_json, cues_from_json, findings_json, fingerprint
from pipeline.types import Cue

log = logging.getLogger(__name__)

MARKS_NAME = "review-marks.jsonl"  # in <out_dir>/.pipeline/: which cues a reviewer marked reviewed
PEAKS_PER_SECOND = 50


@dataclass(frozen=True)
class Video:
    id: str  # the output stem: `subtitles/<id>.<lang>.srt`
    path: Path  # resolved
    root: Path  # the folder (or the file itself) it was listed from; the video must resolve inside it


def uncovered_speech(spans: Sequence[tuple[int, int]], cues: Sequence[Cue]) -> list[tuple[int, int]]:
    """Spans (start_ms, end_ms) of the media's speech (`spans`, from the VAD transcription uses) where no
    cue of `cues` is shown: the one place the page learns them, against the cues on disk now, so a reviewer
    who deletes a cue sees its speech marked."""
    from pipeline import asr_windows, vad

    return asr_windows.uncovered(spans, [(c.start_ms, c.end_ms) for c in cues], vad.MIN_UNCOVERED_MS)


# ----------------------------------------------------------------------------------------------- library

def _inside(path: Path, root: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


class Library:
    def __init__(self, paths: Iterable[str | os.PathLike[str]], opts: Options) -> None:
        self.opts = opts
        self.out_dir = Path(opts.out_dir)
        self.overrides = dict(opts.profile_overrides)
        found: dict[Path, Path] = {}
        for raw in paths:
            root = Path(raw).resolve()
            for v in discover([raw], self.out_dir):
                # discover() follows symlinks: one that leads out of its folder is not served
                if _inside(v, root):
                    found.setdefault(v, root)
                else:
                    log.warning("%s: a link out of %s, not served", v, raw)
        stems = naming.output_stems(list(found), recorded_stems(RunState(self.out_dir)))
        self.videos = {stems[v]: Video(stems[v], v, root) for v, root in found.items()}
        self._info: dict[str, tuple[float, MediaInfo]] = {}
        self._speech: dict[str, tuple[float, list[tuple[int, int]]]] = {}
        self._peaks: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        self._marks_journal = Journal(naming.state_dir(self.out_dir) / MARKS_NAME)
        self._marks: dict[str, list[str]] = self._marks_journal.load()

    # --- lookups: every refusal of an id, a language or a file is here
    def video(self, video_id: str) -> Video:
        v = self.videos.get(video_id)
        if v is None:
            raise NotFound(f"no video {video_id!r} in this review (see /api/videos)")
        if not v.path.is_file() or not _inside(v.path, v.root):
            raise Refused(f"{video_id}: the video is no longer a file inside the folder it was listed from")
        return v

    @staticmethod
    def language(code: str) -> str:
        if code not in LANGUAGES:
            raise NotFound(f"unknown language {code!r} (one of {', '.join(LANGUAGES)})")
        return code

    def _served(self, path: Path) -> Path:
        if path.is_symlink() and not _inside(path, self.out_dir):
            raise Refused(f"{path.name} is a link out of {self.out_dir}: not served")
        return path

    def srt_path(self, video: Video, lang: str) -> Path:
        return self._served(naming.srt_path(self.out_dir, video.id, self.language(lang)))

    def mp4_path(self, video: Video, lang: str) -> Path:
        return self._served(naming.mp4_path(self.out_dir, video.id, self.language(lang)))

    def info(self, video: Video) -> MediaInfo:
        mtime = video.path.stat().st_mtime
        with self._lock:
            known = self._info.get(video.id)
        if known and known[0] == mtime:
            return known[1]
        info = probe(video.path)
        with self._lock:
            self._info[video.id] = (mtime, info)
        return info

    def preset(self, video: Video) -> str:
        info = self.info(video)
        return resolve_preset(self.opts.preset, info.width, info.height)

    def profile(self, video: Video, lang: str) -> Profile:
        return profile(self.language(lang), self.preset(video), self.overrides)

    def languages(self, video: Video) -> list[str]:
        return [lang for lang in LANGUAGES if self.srt_path(video, lang).is_file()]

    # --- reviewed marks
    def _marks_key(self, video: Video, lang: str) -> str:
        return f"{video.id}.{lang}"

    def reviewed(self, video: Video, lang: str, cues: Sequence[Cue]) -> list[bool]:
        with self._lock:
            marked = set(self._marks.get(self._marks_key(video, lang), ()))
        return [fingerprint(c) in marked for c in cues]

    # --- reading
    def read_cues(self, video: Video, lang: str) -> tuple[list[Cue], str | None]:
        path = self.srt_path(video, lang)
        if not path.is_file():
            return [], None
        sha = file_sha256(path)
        try:
            cues = subtitles.load_srt(path, lenient=True)
        except PipelineError as exc:
            raise Unreadable(f"{path.name} cannot be read: {exc}") from None
        return list(cues), sha

    def track(self, video_id: str, lang: str) -> dict[str, Any]:
        video = self.video(video_id)
        cues, sha = self.read_cues(video, lang)
        prof = self.profile(video, lang)
        state = review.Manifest(self.out_dir).state(self.srt_path(video, lang))
        return {
            "video": video.id, "lang": lang, "rtl": LANGUAGES[lang].rtl, "font": LANGUAGES[lang].font,
            "exists": sha is not None, "sha256": sha, "state": state.value,
            "cues": [cue_to_json(c) for c in cues], "reviewed": self.reviewed(video, lang, cues),
            "profile": dataclasses.asdict(prof) | {"protected": None},
        }

    def check(self, video_id: str, lang: str, data: Any) -> dict[str, Any]:
        video = self.video(video_id)
        cues = cues_from_json(data)
        return {"findings": findings_json(cues, self.profile(video, lang))}

    # --- writing
    def save(self, video_id: str, lang: str, body: Any) -> dict[str, Any]:
        """Write the reviewer's cues to `<stem>.<lang>.srt` atomically, unless the file changed on disk since
        the page read it (`base_sha256`, null for a file that did not exist). Not recorded in the manifest:
        from now on the file is the reviewer's, exactly as after a text editor's save."""
        video = self.video(video_id)
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object with 'cues' and 'base_sha256'")
        if "base_sha256" not in body:
            raise BadRequest("'base_sha256' is missing (the sha256 of the file as the page loaded it, or "
                             "null)")
        base = body["base_sha256"]
        if base is not None and not isinstance(base, str):
            raise BadRequest("'base_sha256' must be a string or null")
        cues = cues_from_json(body.get("cues"), for_saving=True)
        if not cues:
            raise BadRequest("no cues to save: an SRT without cues is an error for the pipeline")
        marks = body.get("reviewed", [])
        if not isinstance(marks, list) or len(marks) not in (0, len(cues)) or \
                not all(isinstance(m, bool) for m in marks):
            raise BadRequest("'reviewed' must be a list of true/false, one per cue")
        path = self.srt_path(video, lang)
        text = subtitles.srt_to_string(cues)
        with self._lock:
            current = file_sha256(path) if path.is_file() else None
            if current != base:
                disk, sha = self.read_cues(video, lang) if current else ([], None)
                raise Conflict(f"{path.name} changed on disk since the page loaded it: compare, then reload "
                               "or save yours over it", {"current": {"sha256": sha,
                                                                    "cues": [cue_to_json(c) for c in disk]}})
            atomic_write_text(path, text)
            key = self._marks_key(video, lang)
            self._marks[key] = sorted({fingerprint(c) for c, m in zip(cues, marks, strict=False) if m})
            self._marks_journal.put(key, self._marks[key], self._marks)
        return {"sha256": text_sha256(text), "cues": len(cues), "path": path.name}

    # --- the list and one video
    def summary(self) -> list[dict[str, Any]]:
        from pipeline.commands.status import describe  # the verdict `make status` prints, word for word

        state, manifest = RunState(self.out_dir), review.Manifest(self.out_dir)
        rows = []
        for video in self.videos.values():
            verdict, details = describe(video.path, state.videos.get(video.id), self.out_dir, manifest)
            langs: dict[str, Any] = {}
            for lang in self.languages(video):
                langs[lang] = self._lang_summary(video, lang)
            rows.append({"id": video.id, "name": video.path.name, "status": verdict, "details": details,
                         "source": (state.videos.get(video.id) or _NoRecord).source, "languages": langs})
        return rows

    def _lang_summary(self, video: Video, lang: str) -> dict[str, Any]:
        path = self.srt_path(video, lang)
        try:
            report = srtcheck.check_file(path, lang, self.preset(video), self.overrides)
            errors, warnings = report.errors, report.warnings
            verdict = f"{errors} error(s)" if errors else (f"{warnings} warning(s)" if warnings else "ok")
            cues, _ = self.read_cues(video, lang)
        except (PipelineError, RequestError) as exc:
            return {"qc": f"unreadable: {exc}", "errors": None, "warnings": None, "cues": 0, "reviewed": 0}
        return {"qc": verdict, "errors": errors, "warnings": warnings, "cues": len(cues),
                "reviewed": sum(self.reviewed(video, lang, cues)),
                "burned": self.mp4_path(video, lang).is_file()}

    def detail(self, video_id: str) -> dict[str, Any]:
        from pipeline import ass

        video = self.video(video_id)
        info, preset = self.info(video), self.preset(video)
        record = RunState(self.out_dir).videos.get(video.id)
        fonts = {}
        for lang, lg in LANGUAGES.items():
            lay = ass.layout(PRESETS[preset], info.width or 1280, info.height or 720, lg.font)
            fonts[lang] = {"family": lg.font, "size_px": lay.font_size, "outline_px": lay.outline,
                           "em_px": round(lay.font_size * ass.em_per_size(lg.font), 1)}
        lay = ass.layout(PRESETS[preset], info.width or 1280, info.height or 720)
        return {
            "id": video.id, "name": video.path.name, "duration_ms": info.duration_ms, "fps": info.fps or 25.0,
            "width": info.width, "height": info.height, "preset": preset,
            "source": record.source if record else None, "languages": self.languages(video),
            "burned": [lang for lang in LANGUAGES if self.mp4_path(video, lang).is_file()],
            # as fractions of the frame, so the page draws the burn's layout at any player size
            "layout": {"fonts": fonts, "side": lay.margin_side / max(info.width, 1),
                       "bottom": lay.margin_bottom / max(info.height, 1),
                       "top": lay.margin_top / max(info.height, 1), "height": info.height or 720},
            "speech_without_subtitle": [{"start_ms": a, "end_ms": b}
                                        for a, b in self._uncovered(video, record)],
        }

    def _uncovered(self, video: Video, record: Any) -> list[tuple[int, int]]:
        """Speech with no cue in the spoken language's SRT (the recorded
        source, else the first SRT there is)."""
        langs = self.languages(video)
        source = record.source if record and record.source in langs else (langs[0] if langs else None)
        if source is None or not self.info(video).has_audio:
            return []
        cues, _ = self.read_cues(video, source)
        return uncovered_speech(self.speech(video), cues)

    def speech(self, video: Video) -> list[tuple[int, int]]:
        """The video's speech spans, found once per server and file version (the VAD's own cache is keyed by
        the file's hash, which would read the whole video on every visit)."""
        from pipeline import vad

        mtime = video.path.stat().st_mtime
        with self._lock:
            known = self._speech.get(video.id)
        if known and known[0] == mtime:
            return known[1]
        try:
            spans = vad.speech_spans(video.path, Cache(self.opts.cache_dir))
        except (PipelineError, OSError) as exc:  # unreadable audio: nothing to mark, said once
            log.warning("%s: speech spans unknown (%s)", video.path.name, exc)
            spans = []
        with self._lock:
            self._speech[video.id] = (mtime, spans)
        return spans

    def peaks(self, video_id: str) -> dict[str, Any]:
        """The waveform, computed here once per video: the browser never decodes a whole video's audio."""
        from pipeline.steps import media_identity

        video = self.video(video_id)
        with self._lock:
            if video.id in self._peaks:
                return self._peaks[video.id]
        # Cached like a stage output, under the media's content: a restarted server does not decode again.
        record = RunState(self.out_dir).videos.get(video.id)
        key = key_of("peaks", media_identity(video.path, record.input if record else {})["sha256"],
                     PEAKS_PER_SECOND)
        cache = Cache(self.opts.cache_dir)
        out = cache.get("review-peaks", key)
        if out is None:
            out = self._compute_peaks(video)
            cache.put("review-peaks", key, out)
        with self._lock:
            self._peaks[video.id] = out
        return out

    def _compute_peaks(self, video: Video) -> dict[str, Any]:
        import numpy as np

        from pipeline.media import SAMPLE_RATE, decode_audio

        info = self.info(video)
        samples = decode_audio(video.path, info) if info.has_audio else np.zeros(0, np.float32)
        step = SAMPLE_RATE // PEAKS_PER_SECOND
        n = len(samples) // step
        peaks = np.abs(samples[: n * step]).reshape(n, step).max(axis=1) if n else np.zeros(0)
        top = float(peaks.max()) if n else 0.0
        # float64 before rounding: float32 values print with 17 digits and triple the JSON
        scaled = np.round(peaks.astype(np.float64) / top, 3) if top > 0 else peaks.astype(np.float64)
        return {"duration_ms": info.duration_ms, "per_second": PEAKS_PER_SECOND, "peaks": scaled.tolist()}


class _NoRecord:
    source = None
