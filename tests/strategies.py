"""Hypothesis strategies shared by the subtitle reader and writer tests."""

from __future__ import annotations

from hypothesis import strategies as st

from pipeline.types import Cue


@st.composite
def ordered_cues(draw: st.DrawFn, lines: st.SearchStrategy[str], min_cues: int, max_cues: int,
                 max_gap_ms: int, max_length_ms: int) -> list[Cue]:
    """Cues in order, none overlapping, of one to three lines each."""
    cues, t = [], 0
    for _ in range(draw(st.integers(min_cues, max_cues))):
        t += draw(st.integers(0, max_gap_ms))
        end = t + draw(st.integers(1, max_length_ms))
        cues.append(Cue(t, end, tuple(draw(st.lists(lines, min_size=1, max_size=3)))))
        t = end
    return cues
