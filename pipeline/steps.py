"""The steps of one video in a batch: probe, transcribe, segment, write, translate, export, burn.

Each step either reuses what is on disk (a cache hit, a reviewer's file, an up-to-date burn) or computes it,
and says which in the VideoResult. A failing language is recorded on that language; the others go on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

from pipeline import export, interrupt, naming, review
from pipeline.cache import file_sha256, key_of, text_sha256
from pipeline.context import Context, Track
from pipeline.errors import MediaError, PipelineError
from pipeline.media import MediaInfo
from pipeline.naming import ass_path, mp4_path, srt_path
from pipeline.profiles import LANGUAGES, Profile, profile, resolve_preset
from pipeline.qc import conformity
from pipeline.report import LangResult, VideoResult
from pipeline.subtitles import srt_to_string
from pipeline.types import Cue, Word

log = logging.getLogger(__name__)

# Bump when the code changes what a burned video looks like for the same inputs (the ASS writer, the filter
# graph, the styles), so videos burned by an older version are burned again.
BURN_VERSION = 3  # 2: numbers beside Arabic units outside Latin isolates; {\an8} honoured;
# 3: over-long lines wrapped; @handles, #hashtags and 50% isolated in Arabic

class _Guard(contextlib.AbstractContextManager):
    """Turn any failure of one video (or one language) into its one-line cause; the batch goes on."""

    def __init__(self, target: VideoResult | LangResult) -> None:
        self.target = target

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False  # Interrupted, KeyboardInterrupt and SystemExit still stop the run
        if interrupt.requested():  # e.g. a stage whose ffmpeg was stopped: interrupted, not failed
            raise interrupt.Interrupted from exc
        if isinstance(exc, PipelineError):
            self.target.error = str(exc)
        elif isinstance(exc, OSError):  # full disk, no permission, a file in the way: the file and why
            log.debug("file system error", exc_info=exc)
            self.target.error = _os_cause(exc)
        else:
            log.warning("internal error (%s)", type(exc).__name__, exc_info=exc)
            self.target.error = f"internal error: {type(exc).__name__}: {exc}"
        return True


def _os_cause(exc: OSError) -> str:
    """One line: the file (the destination, for a rename) and the system's reason."""
    name = exc.filename2 if exc.filename2 is not None else exc.filename
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{name}: {reason}" if name is not None else reason


def media_identity(path: Path, previous: dict[str, Any]) -> dict[str, Any]:
    """size, mtime and sha256 of the media; the hash is reused while size and mtime are unchanged."""
    st = path.stat()
    ident: dict[str, Any] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    same = all(previous.get(k) == v for k, v in ident.items()) and previous.get("sha256")
    ident["sha256"] = previous["sha256"] if same else file_sha256(path)
    return ident


def process_video(ctx: Context, path: Path, stem: str) -> VideoResult:
    previous = ctx.state.videos.get(stem)
    result = VideoResult(video=str(path), stem=stem)
    started = time.perf_counter()
    try:
        with _Guard(result):
            _process(ctx, path, result, previous)
    except interrupt.Interrupted:  # Ctrl-C: `running` stays set, so the record says interrupted (not failed)
        result.seconds = round(time.perf_counter() - started, 2)
        with contextlib.suppress(OSError):
            ctx.state.save(result)
        return result
    result.seconds = round(time.perf_counter() - started, 2)
    result.running = None
    ctx.finish(result)
    with _Guard(result):  # a record that cannot be written (disk full) fails this video, not the batch
        ctx.state.save(result)
    return result


def _process(ctx: Context, path: Path, result: VideoResult, previous: VideoResult | None) -> None:
    result.forced_source = previous.forced_source if previous else None  # kept by a run that stops early
    ctx.begin(result, "probe")
    known = previous.input if previous and not ctx.opts.force else {}
    info = _probe(ctx, path, known)
    if not info.has_audio:
        raise MediaError(f"{path}: no audio track, nothing to transcribe")
    result.input = {**media_identity(path, known), "probe": _probe_record(info)}
    # From here on this video's options carry its concrete preset: every stage reads it from opts.preset.
    ctx = dataclasses.replace(ctx, opts=dataclasses.replace(
        ctx.opts, preset=resolve_preset(ctx.opts.preset, info.width, info.height)))
    if ctx.burn_only:
        tracks = _existing_tracks(ctx, result, previous)
    else:
        src_track = _source(ctx, path, info.duration_ms, result, previous)
        tracks = {result.source: src_track}
        if src_track.cues and result.source in LANGUAGES:
            tracks.update(_translations(ctx, result, src_track))
            _set_aside_stale(ctx, result, src_track.sha256, tracks)
    for lang, track in tracks.items():
        _finish_language(ctx, result, lang, track)
    tracks = {lang: track for lang, track in tracks.items()
              if track.cues and lang in LANGUAGES and not result.lang(lang).error}
    if not ctx.opts.burn:
        for lang in tracks:
            result.lang(lang).stages["burn"] = "off"
    elif not info.has_video:
        result.notes.append("audio only: subtitles written, nothing to burn")
    elif tracks:
        _burn(ctx, path, result, tracks)


def _probe_record(info: MediaInfo) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(info).items() if k != "path"}


def _probe(ctx: Context, path: Path, known: dict[str, Any]) -> MediaInfo:
    """ffprobe, or what it said last time while the file's size and date are unchanged (fast reruns)."""
    st = path.stat()
    if known.get("probe") and known.get("size") == st.st_size and known.get("mtime_ns") == st.st_mtime_ns:
        with contextlib.suppress(TypeError):
            return MediaInfo(path=path, **known["probe"])
    return ctx.stages.probe(path)


# --- source language ---------------------------------------------------------------------------------

def _source(ctx: Context, path: Path, duration_ms: int, result: VideoResult,
            previous: VideoResult | None) -> Track:
    ctx.begin(result, "transcribe")
    forced, opts, prompt = ctx.source_for(previous)
    result.forced_source = forced
    if forced and forced != ctx.opts.source:
        result.notes.append(f"language {forced}, as forced for this video before (--source auto detects "
                            f"again)")
    known_sha = result.input["sha256"]  # media_identity's: not hashed again when size and date are unchanged
    transcript = ctx.stages.cached_transcript(path, opts, ctx.cache, prompt=prompt, media_sha256=known_sha)
    cached = transcript is not None
    if transcript is None:
        with ctx.whisper_lock:  # one Whisper model per device; other jobs translate and encode meanwhile
            progress = ctx.progress(result.stem, duration_ms)  # made here so its ETA excludes the wait
            try:
                def on_progress(done_ms: int, total_ms: int) -> None:
                    interrupt.check()  # between two stretches of decoding: Ctrl-C stops here
                    progress(done_ms, total_ms)

                transcript, cached = ctx.stages.transcribe(path, opts, ctx.cache, on_progress=on_progress,
                                                           prompt=prompt, media_sha256=known_sha)
            finally:
                progress.close()
    result.stages["transcribe"] = "cached" if cached else "done"
    result.source = transcript.language
    result.notes += list(transcript.notes)
    if not transcript.words:  # no speech: an SRT without cues (and the transcript's note), nothing else
        result.stages["segment"] = "-"
        renamed = _renamed_source(ctx, result)
        if renamed is not None:
            return renamed
        return _write_or_keep(ctx, result.lang(transcript.language),
                              srt_path(ctx.out_dir, result.stem, transcript.language), [],
                              {"lang": transcript.language, "preset": ctx.opts.preset})
    ctx.begin(result, "segment")
    cues = ctx.stages.segment(list(transcript.words), _profile(ctx, transcript.language))
    result.stages["segment"] = "done"
    return _write_or_keep(ctx, result.lang(transcript.language),
                          srt_path(ctx.out_dir, result.stem, transcript.language), list(cues),
                          {"lang": transcript.language, "preset": ctx.opts.preset})


def _renamed_source(ctx: Context, result: VideoResult) -> Track | None:
    """No speech heard, but a reviewer wrote the words and named the language: `<stem>.und.srt` renamed to
    `<stem>.<lang>.srt` (or such a file put there by hand). That file is the source; translations follow."""
    for lang in LANGUAGES:
        path = srt_path(ctx.out_dir, result.stem, lang)
        entry = ctx.manifest.entry(path)
        if ctx.manifest.state(path).reviewer_owned and (entry is None or entry.get("from_srt") is None):
            cues = review.read_reviewed(path)
            result.source = lang
            result.lang(lang).stages["write"] = "reviewer's"
            result.notes.append(f"no speech heard; the reviewer's {path.name} is the source")
            return Track(tuple(cues), file_sha256(path))
    return None


def _write_or_keep(ctx: Context, lr: LangResult, path: Path, cues: list[Cue], meta: dict[str, Any]) -> Track:
    """Write our SRT, unless a reviewer owns the file: then their cues are the ones that go downstream."""
    text = srt_to_string(cues)
    if ctx.manifest.state(path).reviewer_owned and file_sha256(path) != text_sha256(text):
        lr.stages["write"] = "reviewer's"
        return Track(tuple(review.read_reviewed(path)), file_sha256(path))
    lr.stages["write"] = review.write_text(ctx.manifest, path, text, **meta).status
    return Track(tuple(cues), text_sha256(text))


def _profile(ctx: Context, lang: str) -> Profile:
    return profile(lang, ctx.opts.preset, dict(ctx.opts.profile_overrides) or None, ctx.names)


# --- translations ------------------------------------------------------------------------------------

def _targets(ctx: Context, result: VideoResult) -> list[str]:
    src = result.source
    requested = ctx.opts.targets
    wanted = tuple(t for t in (requested if requested is not None else LANGUAGES) if t != src)
    if ctx.opts.translator == "whisper":  # speech to English only, no package needed
        return [t for t in wanted if t == "en" or requested is not None]
    if not wanted:
        return []
    routes = ctx.stages.preflight(src, None, ctx.opts)
    for t in wanted:
        if t in routes:
            continue
        if requested is None:
            result.notes.append(f"no translation package for {src}->{t}: skipped "
                                "(see `python -m pipeline models`)")
        else:  # asked for by name: a failure of this language, with the package to install
            result.lang(t).error = ctx.stages.missing_message(src, t, ctx.opts)
    return [t for t in wanted if t in routes]


def _translations(ctx: Context, result: VideoResult, src: Track) -> dict[str, Track]:
    tracks: dict[str, Track] = {}
    for tgt in _targets(ctx, result):
        lr = result.lang(tgt)
        with _Guard(lr):
            tracks[tgt] = _translate_one(ctx, result, lr, src)
    return tracks


def _translate_one(ctx: Context, result: VideoResult, lr: LangResult, src: Track) -> Track:
    path = srt_path(ctx.out_dir, result.stem, lr.lang)
    if ctx.manifest.state(path).reviewer_owned:
        lr.stages["translate"] = "reviewer's"
        lr.stages["write"] = "kept"
        cues = review.read_reviewed(path)
        if _needs_a_look(ctx, path, src.sha256):
            lr.notes.append(f"needs a look: the {result.source} subtitles changed since this translation; "
                            f"the reviewer's {path.name} was kept as it is")
        return Track(tuple(cues), file_sha256(path))
    ctx.begin(result, f"translate {lr.lang}")
    if ctx.opts.translator == "whisper":  # English straight from speech: the model, so under its lock
        with ctx.whisper_lock:
            cues = list(ctx.stages.whisper_translate(Path(result.video), ctx.opts, lr.lang, cache=ctx.cache,
                                                     glossary=ctx.glossary))
        lr.stages["translate"] = "whisper"
        translated = len(cues)
    else:
        tr = ctx.stages.translate(list(src.cues), result.source, lr.lang, ctx.opts, ctx.cache,
                                  glossary=ctx.glossary)
        cues, translated = list(tr.cues), tr.translated
        lr.stages["translate"] = f"{translated}/{tr.sentences} new" if translated else "cached"
    text = srt_to_string(cues)
    lr.stages["write"] = review.write_text(ctx.manifest, path, text, lang=lr.lang, preset=ctx.opts.preset,
                                           from_srt=src.sha256, translated=translated).status
    return Track(tuple(cues), text_sha256(text))


def _set_aside_stale(ctx: Context, result: VideoResult, src_sha: str, tracks: dict[str, Track]) -> None:
    """Translations made from an older source SRT and not remade this run (no package, a failure) leave
    `subtitles/` and `social/` for `stale/`, with a note on every run, so none passes for current. A
    reviewer's translation stays where it is, flagged. Whisper's English follows the speech, not an edited
    source SRT: said on every run too."""
    out_dir, src = ctx.out_dir, result.source
    edited = result.lang(src).stages.get("write") == "reviewer's"
    if ctx.opts.translator == "whisper" and "en" in tracks and edited:
        result.lang("en").notes.append(f"made by Whisper from the speech: it does not follow the edits in "
                                       f"{result.stem}.{src}.srt (use --translator argos)")
    for lang in LANGUAGES:
        if lang == src or lang in tracks:
            continue
        path, stale = srt_path(out_dir, result.stem, lang), naming.stale_dir(out_dir)
        entry = ctx.manifest.entry(path) or {}
        state = ctx.manifest.state(path)
        if state is review.FileState.OURS and entry.get("from_srt") not in (None, src_sha):
            burned = mp4_path(out_dir, result.stem, lang)
            for f in (path, naming.vtt_path(out_dir, result.stem, lang),
                      naming.social_path(out_dir, result.stem, lang), burned):
                ours = ctx.manifest.entry(f) is not None if f == burned else (
                    ctx.manifest.state(f) is review.FileState.OURS)
                if f.is_file() and ours:
                    stale.mkdir(parents=True, exist_ok=True)
                    f.replace(stale / f.name)
                    ctx.manifest.forget(f)
        if (stale / path.name).is_file() and not path.exists():
            result.lang(lang).notes.append(
                f"no current translation: {result.stem}.{src}.srt changed and {lang} could not be remade; "
                f"the old one is in {naming.STALE_DIR}/{path.name}")


def _needs_a_look(ctx: Context, path: Path, src_sha: str) -> bool:
    """A reviewer's translation whose source SRT changed stays flagged until the reviewer changes it again.

    The manifest keeps `needs_look`: the translation's hash when it was flagged. Any later change to the
    file means the reviewer has looked at it; the source it now goes with is the current one.
    """
    entry = ctx.manifest.entry(path) or {}
    current = file_sha256(path)
    flagged = entry.get("needs_look")
    if flagged and flagged != current:
        ctx.manifest.update_meta(path, needs_look=None, from_srt=src_sha)
        return False
    if not flagged and entry.get("from_srt") not in (None, src_sha):
        ctx.manifest.update_meta(path, needs_look=current, from_srt=src_sha)
        return True
    return bool(flagged)


def _existing_tracks(ctx: Context, result: VideoResult, previous: VideoResult | None) -> dict[str, Track]:
    """--burn-only: the SRTs already in the output folder, reviewer-edited or ours; nothing transcribed."""
    result.stages["transcribe"] = "skipped"
    result.source = previous.source if previous else None
    tracks: dict[str, Track] = {}
    for lang in LANGUAGES:
        path = srt_path(ctx.out_dir, result.stem, lang)
        if not path.is_file():
            continue
        lr = result.lang(lang)
        with _Guard(lr):
            owned = ctx.manifest.state(path).reviewer_owned
            lr.stages["write"] = "reviewer's" if owned else "ours"
            tracks[lang] = Track(tuple(review.read_reviewed(path)), file_sha256(path))
            made_from = (ctx.manifest.entry(path) or {}).get("from_srt")
            src_path = srt_path(ctx.out_dir, result.stem, result.source or "")
            if made_from and src_path.is_file() and made_from != file_sha256(src_path):
                lr.notes.append("translation older than the edited source SRT: `make subtitles` updates it")
    if not tracks:
        result.notes.append("no subtitles yet: run `make subtitles` first")
    return tracks


# --- per-language outputs ----------------------------------------------------------------------------

def _finish_language(ctx: Context, result: VideoResult, lang: str, track: Track) -> None:
    cues = list(track.cues)
    lr = result.lang(lang)
    lr.cues = len(cues)
    if lang not in LANGUAGES:  # "und": no speech was heard, so no language to export, check or burn
        if cues:  # a reviewer wrote the words: only the file name can say their language
            name = srt_path(ctx.out_dir, result.stem, lang).name
            result.notes.append(f"{name}: language unknown: rename it to "
                                f"{result.stem}.<lang>.srt ({', '.join(LANGUAGES)})")
        return
    with _Guard(lr):
        outcomes = export.export(ctx.manifest, ctx.out_dir, result.stem, lang, cues, track.sha256)
        lr.notes += [f"{o.path.name} edited by hand: left as it is" for o in outcomes if o.kept]
    limits = _profile(ctx, lang)
    try:
        findings = ctx.stages.qc(cues, limits)
    except Exception as exc:  # QC informs; it never fails a language
        log.warning("%s [%s]: QC could not run: %s", result.video, lang, exc)
        lr.qc = "n/a"
        return
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    lr.qc = f"{errors} error(s)" if errors else (f"{warnings} warning(s)" if warnings else "ok")
    if cues:
        pct = conformity(cues, limits)
        lr.conformity = "/".join(f"{pct[k]:.0f}" for k in ("chars_per_line", "reading_speed", "line_count"))


def burn_key(ctx: Context, media_sha: str, srt_sha: str) -> str:
    o = ctx.opts
    look: tuple[str, ...] = ()  # the default look adds nothing, so videos burned before styles stay fresh
    if o.caption_style != "phrase" or o.style is not None:
        look = (o.caption_style, file_sha256(o.style) if o.style is not None else "")
    return key_of("burn", BURN_VERSION, media_sha, srt_sha, o.preset, o.crf, o.x264_preset, o.encoder, *look)


def _burn(ctx: Context, path: Path, result: VideoResult, tracks: dict[str, Track]) -> None:
    todo: dict[str, str] = {}
    for lang, track in tracks.items():
        out = mp4_path(ctx.out_dir, result.stem, lang)
        key = burn_key(ctx, result.input["sha256"], track.sha256)
        entry = ctx.manifest.entry(out) or {}
        fresh = out.is_file() and entry.get("burn_key") == key and entry.get("size") == out.stat().st_size
        if fresh and not ctx.opts.force:
            result.lang(lang).stages["burn"] = "up to date"
        else:
            todo[lang] = key
    if not todo:
        return
    ctx.begin(result, "burn")
    if len(todo) > 1:
        try:
            _burn_group(ctx, path, result, tracks, todo)
            return
        except PipelineError as exc:  # one graph for all failed: burn each alone to keep the good ones
            log.info("%s: burning all languages at once failed (%s); trying one by one", path, exc)
    for lang, key in todo.items():
        with _Guard(result.lang(lang)):
            _burn_group(ctx, path, result, tracks, {lang: key})


def _source_words(ctx: Context, path: Path, result: VideoResult) -> dict[str, list[Word]]:
    """Whisper's words of the source language (the cached transcript), for word-by-word captions; none when
    the transcript is not cached (a burn-only run after the cache was cleared): words are then spread."""
    if not result.source:
        return {}
    transcript = ctx.stages.cached_transcript(path, ctx.opts, ctx.cache, prompt=ctx.prompt,
                                              media_sha256=result.input["sha256"])
    return {transcript.language: list(transcript.words)} if transcript is not None else {}


def _burn_group(ctx: Context, path: Path, result: VideoResult, tracks: dict[str, Track],
                todo: dict[str, str]) -> None:
    outputs = {lang: mp4_path(ctx.out_dir, result.stem, lang) for lang in todo}
    words = _source_words(ctx, path, result) if ctx.opts.caption_style == "words" else None
    names = ctx.glossary.names() if ctx.glossary is not None else None
    bar = ctx.progress(f"{result.stem} (burn)", int(result.input.get("probe", {}).get("duration_ms") or 0))
    try:
        burned = ctx.stages.burn(path, {lang: list(tracks[lang].cues) for lang in todo}, outputs, ctx.opts,
                                 on_progress=bar, words=words, names=names)
    finally:
        bar.close()
    for lang, script in (burned.scripts if burned is not None else {}).items():
        written = review.write_text(ctx.manifest, ass_path(ctx.out_dir, result.stem, lang), script,
                                    from_srt=tracks[lang].sha256)
        if written.kept:
            result.lang(lang).notes.append(f"{written.path.name} edited by hand: left as it is")
    for lang in burned.approximate if burned is not None else ():
        result.lang(lang).notes.append("word timing approximate: no Whisper word times for these words, "
                                       "spread over each cue by length")
    for lang, key in todo.items():
        result.lang(lang).notes += list(burned.notes if burned is not None else ())  # e.g. NVENC redone
        out = outputs[lang]
        ctx.manifest.record(out, None, burn_key=key, from_srt=tracks[lang].sha256, size=out.stat().st_size)
        result.lang(lang).stages["burn"] = "done"
