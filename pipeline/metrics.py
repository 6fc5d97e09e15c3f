"""Word and character error rates over `textnorm.normalize`d text (what subtitles do not care about is
forgiven: case, punctuation, diacritics, spelling variants, numbers written as digits or words). Pure; used by
tests and benchmarks to judge transcripts, never by the pipeline itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.textnorm import normalize

__all__ = ["cer", "edit_distance", "normalize", "wer"]


def edit_distance(ref: Sequence[object], hyp: Sequence[object]) -> int:
    """Levenshtein distance (substitutions, insertions, deletions all cost 1)."""
    if len(ref) < len(hyp):
        ref, hyp = hyp, ref
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def wer(reference: str, hypothesis: str, language: str = "en") -> float:
    """Word error rate of `hypothesis` against `reference`, both normalised. An empty reference scores
    0.0 for an empty hypothesis and 1.0 otherwise."""
    ref, hyp = normalize(reference, language).split(), normalize(hypothesis, language).split()
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def cer(reference: str, hypothesis: str, language: str = "en") -> float:
    """Character error rate over the normalised texts (spaces count as characters, single spaces only)."""
    ref, hyp = normalize(reference, language), normalize(hypothesis, language)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
