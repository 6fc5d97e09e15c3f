"""Sentence-level translation that keeps the source timing: the edge around `retime`.

The source cues are joined into sentences (`retime.join_sentences`), every new sentence of a video goes to the
model in one `translate_batch` (the package route, the glossary's protected names), and the translations are
laid back on the source timing (`retime.retime`).

Translations are cached per sentence (package identity + protected source text): after a reviewer
edits a few source cues, a rerun only sends the sentences those cues belong to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import glossary as gl
from pipeline import mt, packages
from pipeline.cache import Cache, key_of
from pipeline.errors import MissingPackageError, UsageError
from pipeline.options import Options
from pipeline.profiles import Profile, language, profile
from pipeline.retime import join_sentences, normalise, retime
from pipeline.segment import segment
from pipeline.types import Cue

log = logging.getLogger(__name__)

CACHE_STAGE = "translation"
CACHE_VERSION = 1

# (package chain, protected sentences, options) -> translations. Tests register deterministic fakes.
Translator = Callable[[Sequence[packages.Package], list[str], Options], list[str]]
TRANSLATORS: dict[str, Translator] = {"argos": mt.argos_engine}


@dataclass(frozen=True)
class TranslationResult:
    cues: list[Cue]
    sentences: int  # sentences in the video
    translated: int  # of which sent to the model (the rest came from the per-sentence cache)


# --- translation -----------------------------------------------------------------------------------

def _cache_key(chain: Sequence[packages.Package], text: str, translator: str) -> str:
    return key_of(CACHE_VERSION, translator, [p.identity for p in chain], text)


def _translate_sentences(protected: list[str], chain: tuple[packages.Package, ...], opts: Options,
                         cache: Cache) -> tuple[list[str], int]:
    """Raw model output per protected sentence: cached ones reused, the rest in one batch."""
    name = opts.translator if opts.translator in TRANSLATORS else "argos"
    keys = [_cache_key(chain, text, name) for text in protected]
    found = [cache.get(CACHE_STAGE, k) for k in keys]
    todo = sorted({text for text, hit in zip(protected, found, strict=True) if hit is None and text.strip()})
    fresh = dict(zip(todo, TRANSLATORS[name](chain, todo, opts), strict=True)) if todo else {}
    outputs = []
    for text, key, hit in zip(protected, keys, found, strict=True):
        if hit is not None:
            outputs.append(str(hit["text"]))
        elif text in fresh:
            cache.put(CACHE_STAGE, key, {"text": fresh[text]})
            outputs.append(fresh[text])
        else:
            outputs.append("")
    return outputs, len(todo)


def target_profile(tgt: str, opts: Options, names: Sequence[str] = ()) -> Profile:
    """`tgt`'s limits for `opts.preset`, which must be concrete: "auto" needs a frame size, so the caller
    resolves it (`profiles.resolve_preset`); the `translate` command, with no frame, uses landscape.
    `names`: the glossary's, kept whole and as written."""
    if opts.preset == "auto":
        raise ValueError("a concrete preset (landscape, vertical, square) is needed, not 'auto': "
                         "resolve it from the frame size first")
    return profile(tgt, opts.preset, dict(opts.profile_overrides) or None, names)


def translate_cues(cues: Sequence[Cue], src: str, tgt: str, opts: Options,
                   cache: Cache | None = None, *, glossary: gl.Glossary | None = None) -> TranslationResult:
    """`cues` (in `src`) translated into `tgt` on the same timing. `cache` None = the default cache.

    Cues out of order or partly overlapping are normalised first (`normalise`); nested ones are an error.

    `opts.preset` names the target layout; it must be concrete ("auto" is a ValueError: see `target_profile`).
    `glossary`: names kept through translation and whole on screen (None: read `opts.glossary` here).
    """
    language(src), language(tgt)
    glossary = glossary if glossary is not None else gl.load(opts.glossary)
    target = target_profile(tgt, opts, glossary.names())  # a wrong preset fails before any model runs
    if src == tgt:
        raise UsageError(f"source and target are both {src!r}: nothing to translate")
    found = packages.find_packages(opts)
    chain = packages.route(src, tgt, found)
    if chain is None:
        raise MissingPackageError(packages.missing_message(src, tgt, found, opts))
    cache = cache if cache is not None else Cache(opts.cache_dir)
    cues = normalise(cues)
    sentences = join_sentences(cues, src)
    shielded = [gl.protect(s.text, glossary, tgt) for s in sentences]
    raw, sent = _translate_sentences([p.text for p in shielded], chain, opts, cache)
    texts = []
    for sentence, prot, out in zip(sentences, shielded, raw, strict=True):
        if sentence.text and not out.strip():
            log.warning("%s->%s: empty translation of %r; the source text is kept", src, tgt, sentence.text)
            out = prot.text
        texts.append(gl.restore(out, prot) if sentence.text else "")
    result = retime(cues, sentences, texts, target)
    log.info("%s->%s via %s: %d sentences, %d translated", src, tgt,
             " + ".join(p.code for p in chain), len(sentences), sent)
    return TranslationResult(result, len(sentences), sent)


def whisper_to_english(path: Path, opts: Options, tgt: str = "en", *,
                       cache: Cache | None = None, glossary: gl.Glossary | None = None) -> list[Cue]:
    """English cues straight from speech with Whisper's own translation task (`--translator whisper`)."""
    if tgt != "en":
        raise UsageError(f"Whisper translates speech into English only, not {tgt!r}: "
                         "use --translator argos for ar and fr")
    from pipeline import asr  # the Whisper edge; imported here so text translation never loads it

    glossary = glossary if glossary is not None else gl.load(opts.glossary)
    prompt = gl.whisper_prompt(glossary, "en") or None
    cache = cache if cache is not None else Cache(opts.cache_dir)
    transcript, _ = asr.transcribe_cached(path, opts, cache, prompt=prompt, task="translate")
    return segment(transcript.words, target_profile("en", opts, glossary.names()))
