"""Fast fake stages over text files, for orchestration tests (the real ones run in the slow tests)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.cache import atomic_write_text, key_of
from pipeline.errors import BurnError, MediaError, TranslationError
from pipeline.media import MediaInfo
from pipeline.options import Options
from pipeline.profiles import profile
from pipeline.qc import Finding
from pipeline.translate import TranslationResult
from pipeline.types import Cue, Transcript, Word


class Fakes:
    """Stages over text files: a file's words are its 'speech'; 'corrupt' in it makes probe fail."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.translated: list[str] = []
        self.burned: list[dict[str, Any]] = []
        self.fail_translate: set[str] = set()
        self.fail_burn: set[str] = set()
        self.media_hashes: list[str | None] = []
        self.entered = 0  # calls of the transcribe stage, hits included

    def registry(self) -> dict[str, Any]:
        return {"probe": self.probe, "transcribe": self.transcribe,
                "cached_transcript": self.cached_transcript, "segment": self.segment,
                "preflight": self.preflight, "translate": self.translate, "qc": self.qc, "burn": self.burn,
                "load_glossary": lambda path=None: None, "prompt": lambda glossary, lang: None}

    def probe(self, path: Path) -> MediaInfo:
        text = path.read_text()
        self.calls["probe"] += 1
        if "corrupt" in text:
            raise MediaError(f"{path}: not a readable media file (Invalid data)")
        return MediaInfo(path, 3000, has_audio="silent-picture" not in text, has_video=True, width=640,
                         height=360)

    def cached_transcript(self, path: Path, opts: Options, cache: Any, *, prompt: str | None = None,
                          media_sha256: str | None = None) -> Transcript | None:
        self.media_hashes.append(media_sha256)
        hit = cache.get("fake-asr", key_of("fake-asr", path.read_text(), opts.model, opts.source))
        return None if hit is None else Transcript.from_json(hit)

    def transcribe(self, path: Path, opts: Options, cache: Any, *, on_progress: Any = None,
                   prompt: str | None = None, media_sha256: str | None = None) -> tuple[Transcript, bool]:
        self.entered += 1  # under the Whisper lock in the batch
        key = key_of("fake-asr", path.read_text(), opts.model, opts.source)
        hit = cache.get("fake-asr", key)
        if hit is not None:
            return Transcript.from_json(hit), True
        self.calls["transcribe"] += 1
        words = tuple(Word(w, i * 500, i * 500 + 400) for i, w in enumerate(path.read_text().split()))
        if on_progress:
            on_progress(3000, 3000)
        # like asr.transcribe: no speech, no language heard (unless it was given)
        t = Transcript("ar", words, 3000) if words else Transcript(opts.source or "und", (), 3000,
                                                                    notes=("no speech detected",))
        cache.put("fake-asr", key, t.to_json())
        return t, False

    def segment(self, words: list[Word], profile: Any) -> list[Cue]:
        return [Cue(w.start_ms, w.end_ms, (w.text,)) for w in words]

    def preflight(self, src: str | None, targets: Any, opts: Options) -> dict[str, tuple]:
        return {t: () for t in (targets or ("ar", "fr", "en")) if t != src}

    def translate(self, cues: list[Cue], src: str, tgt: str, opts: Options,
                  cache: Any = None, *, glossary: Any = None) -> TranslationResult:
        if tgt in self.fail_translate:
            raise TranslationError(f"{src}->{tgt}: model failed to load")
        new = 0
        out = []
        for c in cues:  # one sentence per cue, cached per sentence like the real stage
            key = key_of("fake-mt", c.text, tgt)
            hit = cache.get("fake-mt", key)
            if hit is None:
                new += 1
                self.translated.append(c.text)
                hit = f"{tgt}:{c.text}"
                cache.put("fake-mt", key, hit)
            out.append(Cue(c.start_ms, c.end_ms, (hit,)))
        return TranslationResult(out, len(cues), new)

    def qc(self, cues: list[Cue], profile: Any) -> list[Finding]:
        return [Finding("warning", "too_short", 1, 0, "fake")] if len(cues) > 3 else []

    def burn(self, video: Path, tracks: dict[str, list[Cue]], outputs: dict[str, Path],
             opts: Options, *, on_progress: Any = None, words: dict[str, list[Word]] | None = None,
             names: Any = None) -> None:
        if set(tracks) & self.fail_burn:
            raise BurnError(f"{video}: font missing for {sorted(set(tracks) & self.fail_burn)}")
        for lang in tracks:  # the real burn styles each language from its profile
            profile(lang, opts.preset)  # "auto" here would be a KeyError: steps must resolve it
        self.calls["burn"] += 1
        self.burned.append({lang: [c.text for c in cues] for lang, cues in tracks.items()})
        for lang, cues in tracks.items():
            atomic_write_text(outputs[lang], json.dumps([c.text for c in cues], ensure_ascii=False))
