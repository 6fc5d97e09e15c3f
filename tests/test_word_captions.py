"""Word-by-word screens: pure rules, hand-worked examples and properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.bidi import LRI, PDI, strip_isolates
from pipeline.types import Cue, Word
from pipeline.word_captions import LINGER_MS, Screen, cue_words, screens_of, word_screens

# The seed's four campaign names (the glossary holds them; given here as data).
NAMES = ("Cairo Runners", "LibanTroc", "I Make This!", "Moroccan Travelers Community")


def texts(words):
    return [strip_isolates(w.text) for w in words]


def test_whisper_times_used_when_the_cue_has_the_heard_words():
    cue = Cue(1000, 3000, ("I tried LibanTroc",))
    heard = [Word(" I", 1000, 1200), Word(" tried", 1300, 1700), Word(" LibanTroc", 1800, 2600),
             Word(" next", 3100, 3400)]  # outside the cue: another cue's word
    words, exact = cue_words(cue, heard)
    assert exact
    assert [(w.text, w.start_ms, w.end_ms) for w in words] == [
        ("I", 1000, 1200), ("tried", 1300, 1700), ("LibanTroc", 1800, 2600)]


def test_spread_by_length_when_no_word_times():
    # 2 s over "ab" (2+1) and "abcdef" (6+1): 600 ms and 1400 ms
    words, exact = cue_words(Cue(0, 2000, ("ab abcdef",)), None)
    assert not exact
    assert [(w.start_ms, w.end_ms) for w in words] == [(0, 600), (600, 2000)]


def test_brand_names_and_french_punctuation_are_one_unit():
    cue = Cue(0, 4000, ("I love Moroccan Travelers Community\u202f!",))
    words, _ = cue_words(cue, None, NAMES)
    assert texts(words) == ["I", "love", "Moroccan Travelers Community\u202f!"]


def test_latin_run_inside_arabic_is_one_isolated_unit():
    words, _ = cue_words(Cue(0, 3000, ("اشتريت iPhone 15 Pro أمس",)), None)
    assert [w.text for w in words] == ["اشتريت", f"{LRI}iPhone 15 Pro{PDI}", "أمس"]


def test_i_make_this_keeps_its_exclamation_mark_when_arabic_follows():
    words, _ = cue_words(Cue(0, 3000, ("قلت لنفسي: I Make This! ثم بدأت",)), None, NAMES)
    assert f"{LRI}I Make This!{PDI}" in [w.text for w in words]


def test_screens_follow_word_count_length_and_pauses():
    cue = Cue(0, 10_000, ("one two three four fivesixseveneightnine ten",))
    words = [Word("one", 0, 300), Word("two", 300, 600), Word("three", 600, 900), Word("four", 900, 1200),
             Word("fivesixseveneightnine", 1200, 2000), Word("ten", 5000, 5500)]  # a 3 s pause before "ten"
    screens = screens_of(cue, words, max_words=3, max_chars=12)
    assert [texts(s.words) for s in screens] == [["one", "two"], ["three", "four"], ["fivesixseveneightnine"],
                                                  ["ten"]]
    # "one two three" is 13 characters > 12; the long word stands alone; the pause ends a screen and leaves
    # the screen empty 700 ms after "fivesixseveneightnine" (2000 + 700), until "ten" at 5000
    assert (screens[2].start_ms, screens[2].end_ms) == (1200, 2700)
    assert (screens[3].start_ms, screens[3].end_ms) == (5000, 10_000)


def test_word_state_spans_hand_worked():
    cue = Cue(0, 2000, ("a b",))
    [screen] = screens_of(cue, [Word("a", 100, 400), Word("b", 600, 900)], 3, 20)
    assert (screen.start_ms, screen.end_ms) == (100, 2000)
    assert screen.spans() == [(100, 600, 0), (600, 2000, 1)]


def test_top_placement_kept():
    screens, _ = word_screens([Cue(0, 1000, ("{\\an8}up here",))], None, 3, 20)
    assert screens and all(s.top for s in screens) and texts(screens[0].words) == ["up", "here"]


_word = st.text(alphabet="abcdefghij", min_size=1, max_size=12)
_ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
_arabic = st.text(alphabet=_ARABIC_LETTERS, min_size=1, max_size=8)


def units(tokens: list[str]) -> list[str]:
    """What one screen unit is, by the rule: in a line with Arabic, a run of Latin words is one unit (shown
    and highlighted together, kept left to right); otherwise each word is one."""
    if not any(t[0] in _ARABIC_LETTERS for t in tokens):
        return list(tokens)
    out: list[str] = []
    for prev, tok in zip([None, *tokens], tokens, strict=False):
        if prev is not None and prev[0] not in _ARABIC_LETTERS and tok[0] not in _ARABIC_LETTERS:
            out[-1] += " " + tok
        else:
            out.append(tok)
    return out


@given(st.lists(st.tuples(st.lists(st.one_of(_word, _arabic), min_size=1, max_size=12),
                          st.integers(800, 7000), st.integers(0, 3000)), min_size=1, max_size=6),
       st.integers(1, 3), st.integers(4, 30), st.booleans(), st.randoms(use_true_random=False))
def test_screen_properties(spec, max_words, max_chars, heard, rnd):
    cues, t, whisper = [], 0, []
    for tokens, duration, gap in spec:
        cues.append(Cue(t, t + duration, (" ".join(tokens),)))
        # Whisper-like words: sorted times inside the cue, possibly touching or overlapping each other
        times = sorted(rnd.randint(t, t + duration - 1) for _ in range(2 * len(tokens)))
        whisper += [Word(tok, times[2 * i], max(times[2 * i + 1], times[2 * i] + 1)) for i,
                    tok in enumerate(tokens)]
        t += duration + gap
    screens, exact = word_screens(cues, whisper if heard else None, max_words, max_chars)
    assert heard or not exact  # no Whisper words given: all spread
    shown = []
    def cue_of(s: Screen) -> int:
        return next(i for i, c in enumerate(cues) if c.start_ms <= s.start_ms < s.end_ms <= c.end_ms)

    for a, b in zip(screens, screens[1:], strict=False):
        assert a.end_ms <= b.start_ms  # never two screens at once: no stale words
        if cue_of(a) == cue_of(b):  # a screen ends before its cue only when full, too long, or at a pause
            nxt = b.words[0]
            assert len(a.words) == max_words or nxt.start_ms - a.words[-1].end_ms > LINGER_MS or \
                len(strip_isolates(" ".join(w.text for w in [*a.words, nxt]))) > max_chars, (a, b)
    rule_units = [u for c in cues for u in units(c.text.split())]
    at = 0
    for s in screens:  # the next 1 to max_words units by the rule, read off its text, not its grouping
        text = " ".join(strip_isolates(w.text) for w in s.words)
        count = next((k for k in range(1, max_words + 1) if " ".join(rule_units[at:at + k]) == text), None)
        assert count is not None, f"screen {text!r} is not the next 1 to {max_words} whole units " \
                                  f"{rule_units[at:at + max_words + 1]}"
        at += count
        assert len(s.words) == 1 or len(strip_isolates(" ".join(w.text for w in s.words))) <= max_chars
        assert any(c.start_ms <= s.start_ms < s.end_ms <= c.end_ms for c in cues)  # inside one cue
        spans = s.spans()
        assert all(s.start_ms <= a < b <= s.end_ms for a, b, _ in spans)
        assert [k for *_, k in spans] == sorted({k for *_, k in spans})
        shown += [strip_isolates(w.text) for w in s.words]
    # every unit shown once, in order, never split nor merged with a neighbour
    assert shown == rule_units and at == len(rule_units)
