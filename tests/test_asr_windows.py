"""Window cutting and speech coverage (pipeline.asr_windows): pure
functions, hand-worked examples and properties."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import asr_windows as aw
from pipeline.types import Word


def test_chunks_are_packed_up_to_the_window_length() -> None:
    chunks = [(0, 7000), (9000, 16000), (18000, 25000), (27000, 34000), (60000, 62000)]
    # Up to 4 s of each pause kept before its chunk: the 2 s pauses whole, so 0-25 s is one piece; 25-34 s
    # would make it 34 s: a new window; 60-62 s comes with 4 s of its 26 s pause: 9 + 6 = 15 s.
    out = aw.windows(chunks, 30_000, 4000)
    assert [w.pieces for w in out] == [((0, 25000),), ((25000, 34000), (56000, 62000))]


def test_an_over_long_chunk_is_split_into_equal_parts() -> None:
    assert [w.pieces for w in aw.windows([(1000, 71000)], 30_000)] == \
        [((1000, 24333),), ((24333, 47666),), ((47666, 71000),)]


def test_shortened_pauses_pack_more_speech_into_a_window() -> None:
    chunks = [(0, 7000), (9000, 16000), (18000, 25000), (27000, 34000), (60000, 62000)]
    # Each chunk with 500 ms of the pause before it: 7 + 7.5 + 7.5 + 7.5 = 29.5 s of audio; the last chunk
    # (2.5 s with its lead-in) would make 32 s: it starts a window.
    out = aw.windows(chunks, 30_000, 500)
    assert [w.pieces for w in out] == [((0, 7000), (8500, 16000), (17500, 25000), (26500, 34000)),
                                       ((59500, 62000),)]
    assert out[0].length_ms == 29_500 and out[0].span == (0, 34000)
    # No pause kept: the speech alone, 4 x 7 + 2 = 30 s, fits one window exactly.
    assert [w.pieces for w in aw.windows(chunks, 30_000, 0)] == \
        [((0, 7000), (9000, 16000), (18000, 25000), (27000, 34000), (60000, 62000))]


def test_window_times_map_back_to_the_file() -> None:
    w = aw.Window(((0, 7500), (9000, 16500), (18000, 25000)))
    # 0-7.5 s is the file's 0-7.5 s; the window's 7.5 s is the file's 9 s; its 15 s the file's 18 s
    assert [w.to_file(t) for t in (0, 7499, 7500, 8000, 14999, 15000, 21999, 22000, 40000)] == \
        [0, 7499, 9000, 9500, 16499, 18000, 24999, 25000, 25000]


def test_a_window_time_belongs_to_the_piece_playing_then() -> None:
    w = aw.Window(((0, 7500), (9000, 16500), (18000, 25000)))
    # pieces play 0-7.5 s, 7.5-15 s and 15-22 s of the window's audio; past 22 s: the last one
    assert [w.piece_at(t) for t in (0, 7499, 7500, 14999, 15000, 21999, 22000, 40000)] == \
        [0, 0, 1, 1, 2, 2, 2, 2]


@st.composite
def speech(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[Word]]:
    """Words separated by pauses; the VAD chunks are runs of words between pauses of 1 s or more (what
    Silero with min_silence 1000 ms reports), so a chunk edge is always in a pause."""
    at, words, chunks, start = 0, [], [], None
    for _ in range(draw(st.integers(1, 40))):
        at += draw(st.sampled_from([0, 80, 300, 1000, 2500, 6000]))
        if start is not None and words and at - words[-1].end_ms >= 1000:
            chunks.append((start, words[-1].end_ms))
            start = None
        length = draw(st.integers(100, 1500))
        words.append(Word("w", at, at + length))
        start = at if start is None else start
        at += length
    chunks.append((start, words[-1].end_ms))
    return chunks, words


def test_second_pass_targets_speech_left_without_words_or_with_one_stretched_word() -> None:
    words = [Word("a", 0, 400), Word("b", 500, 900), Word("stretched", 6500, 9000), Word("c", 9000, 9500),
             Word("d", 10000, 10500)]
    chunks = [(0, 1000), (7000, 14000), (20000, 20500)]
    # chunk 2 (7 s) holds three words' middles where slow speech (1.5 s a word) gives four; chunk 3 is too
    # short
    assert aw.second_pass_spans(chunks, words, 1000) == [(7000, 14000)]


def test_a_stretch_without_words_inside_a_chunk_is_speech_left_out() -> None:
    # An 8 s chunk: six words 0.4-3.05 s, one at 5.6-6 s. Seven words is not sparse for 8 s (slow speech
    # gives five), but 3.05-5.6 s (2.55 s) and 6-8 s (exactly 2 s) have no word: a skipped sentence.
    words = [Word(t, 400 + 450 * k, 800 + 450 * k) for k, t in enumerate("abcdef")] + [Word("g", 5600, 6000)]
    spans = [(w.start_ms, w.end_ms) for w in words]
    assert aw.wordless((0, 8000), spans, 2000) == [(3050, 5600), (6000, 8000)]
    assert aw.wordless((0, 8000), spans, 2001) == [(3050, 5600)]
    assert aw.wordless((0, 8000), spans, 2600) == []
    assert aw.second_pass_spans([(0, 8000)], words, 1000, 2000) == [(0, 8000)]
    assert aw.second_pass_spans([(0, 8000)], words, 1000, 2600) == []
    # What a transcript leaves out: that chunk's stretches, a chunk with no word at all (whole), not one
    # under 1 s.
    chunks = [(0, 8000), (9000, 12000), (13000, 13500)]
    assert aw.uncovered(chunks, spans, 1000, 2000) == [(3050, 5600), (6000, 8000), (9000, 12000)]


def test_after_a_gap_at_a_chunks_end_the_next_chunk_is_decoded_again_too() -> None:
    # Chunk 1 (0-8 s) has words to 5 s, then 3 s without (a skipped sentence, its end the chunk's end): the
    # next sentence's first words may have been pulled back into it, so chunk 2 goes too. Chunk 3 (16-24 s)
    # has its gap inside (16.4-19 s), the words after it in the chunk itself: chunk 4 stays.
    words = [Word("w", t, t + 400) for t in (
        *range(400, 5000, 500), *range(9000, 12000, 500), 19000, *range(19500, 23500, 500), 25000, 25500)]
    chunks = [(0, 8000), (8800, 12200), (16000, 24000), (24800, 26000)]
    assert aw.second_pass_spans(chunks, words, 1000, 2000) == [(0, 8000), (8800, 12200), (16000, 24000)]
    # A neighbour with such a gap at its own end brings its own neighbour, each chunk once.
    chain = [(0, 8000), (8800, 12200), (13000, 14000)]
    words = [Word("w", t, t + 400) for t in (*range(400, 5000, 500), 9000, 9500, 13200, 13600)]
    assert aw.second_pass_spans(chain, words, 1000, 2000) == chain


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(speech(), st.data())
def test_words_left_out_of_a_chunk_show_as_a_stretch_without_words(
        data: tuple[list[tuple[int, int]], list[Word]], draw: st.DataObject) -> None:
    chunks, words = data
    # Pauses inside a chunk are under 1 s: nothing is missing.
    assert all(aw.wordless(c, [(w.start_ms, w.end_ms) for w in words], 1000) == [] for c in chunks)
    # Leave out a run of words: the stretch from the word before it (or the chunk's start) to the word after
    # it (or the chunk's end) is found when it is long enough, and nothing else is.
    i = draw.draw(st.integers(0, len(words) - 1))
    j = draw.draw(st.integers(i + 1, len(words)))
    chunk = next(c for c in chunks if c[0] <= words[i].start_ms < c[1])
    j = min(j, max(k + 1 for k, w in enumerate(words) if w.start_ms < chunk[1]))  # the run stays in it
    kept = words[:i] + words[j:]
    before = words[i - 1].end_ms if i and words[i - 1].end_ms > chunk[0] else chunk[0]
    after = words[j].start_ms if j < len(words) and words[j].start_ms < chunk[1] else chunk[1]
    gap = draw.draw(st.integers(500, 5000))
    expected = [(before, after)] if after - before >= gap else []
    assert aw.wordless(chunk, [(w.start_ms, w.end_ms) for w in kept], gap) == expected


def test_uncovered_speech_is_what_no_cue_touches() -> None:
    speech_spans = [(0, 2000), (5000, 8000), (9000, 9500), (12000, 15000)]
    cues = [(100, 1500), (7900, 8100)]
    # 0-2 s is covered but for 0.5 s at its end; 5-8 s is touched at its end only: 5-7.9 s is a stretch of
    # over 2 s without a cue; 9-9.5 s is too short to matter; 12-15 s has no cue at all.
    assert aw.uncovered(speech_spans, cues, 1000) == [(5000, 7900), (12000, 15000)]
    assert aw.uncovered(speech_spans, cues, 1000, 3000) == [(12000, 15000)]


def test_second_pass_words_replace_the_span_and_the_rest_stays() -> None:
    words = [Word("a", 0, 400), Word("stretched", 7000, 9000), Word("z", 15000, 15400)]
    new = [Word("x", 7100, 7500), Word("y", 7600, 8000)]
    assert [w.text for w in aw.replace_words(words, (7000, 14000), new)] == ["a", "x", "y", "z"]


def test_note_shows_minutes_and_seconds() -> None:
    assert aw.no_subtitle_note((92_000, 98_400)) == "speech at 1:32–1:38 has no subtitle"
    assert aw.clock(3_725_000) == "1:02:05"


def test_words_stretched_over_a_pause_are_kept_inside_their_speech() -> None:
    chunks = [(0, 7000), (9000, 16000)]
    words = [Word("last", 6500, 8200), Word("first", 8600, 9400), Word("lost", 7600, 8000),
             Word("in", 10000, 10300)]
    # "last" runs into the pause (middle 7350, nearer chunk 1): cut at 7000; "first" starts in it (middle
    # 9000, in chunk 2): starts at 9000; "lost" lies wholly in the pause, nearer chunk 1: moved to its end,
    # length kept; "in" untouched.
    assert [(w.start_ms, w.end_ms) for w in aw.snap_to_speech(words, chunks)] == \
        [(6500, 7000), (9000, 9400), (6600, 7000), (10000, 10300)]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(speech(), st.lists(st.tuples(st.integers(0, 200_000), st.integers(0, 4000)), max_size=20))
def test_snapped_words_lie_inside_one_chunk(data: tuple[list[tuple[int, int]], list[Word]],
                                            raw: list[tuple[int, int]]) -> None:
    chunks, _ = data
    words = [Word("w", a, a + d) for a, d in raw]
    for w in aw.snap_to_speech(words, chunks):
        assert any(a <= w.start_ms <= w.end_ms <= b for a, b in chunks), (w, chunks)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared CI machine can be slow
@given(speech(), st.integers(5_000, 30_000), st.integers(0, 30_000))
def test_shortened_windows_hold_every_chunk_once_and_cut_no_word(
        data: tuple[list[tuple[int, int]], list[Word]], max_ms: int, max_pause: int) -> None:
    chunks, words = data
    out = aw.windows(chunks, max_ms, max_pause)
    pieces = [p for w in out for p in w.pieces]
    assert all(a < b <= c for (a, b), (c, _) in zip(pieces, pieces[1:], strict=False))  # in order, disjoint
    for a, b in chunks:  # each chunk wholly in one piece, or an over-long one in consecutive whole windows
        inside = [w for w in out if any(pa <= a and b <= pb for pa, pb in w.pieces)]
        assert len(inside) == 1 or (b - a > max_ms and sum(
            max(0, min(b, pb) - max(a, pa)) for pa, pb in pieces) == b - a)
    for w in out:
        assert w.length_ms <= max_ms
        for pa, pb in w.pieces:  # piece edges in pauses (cuts inside an over-long chunk excepted)
            for edge in (pa, pb):
                if not any(ca < edge < cb and cb - ca > max_ms for ca, cb in chunks):
                    assert not any(x.start_ms < edge < x.end_ms for x in words)
            if any(ca < pa < cb and cb - ca > max_ms for ca, cb in chunks):
                continue  # starts at a cut inside an over-long chunk
            firsts = [ca for ca, _ in chunks if pa <= ca < pb]  # before its first chunk a piece keeps at
            assert firsts and 0 <= min(firsts) - pa <= max_pause  # most max_pause of the pause
        # the map is monotone, starts at the first piece, and moves 1:1 inside a piece
        times = [w.to_file(t) for t in range(0, w.length_ms + 1, 97)]
        assert times[0] == w.pieces[0][0] and times == sorted(times)
        at = 0
        for pa, pb in w.pieces:
            assert w.to_file(at) == pa and w.to_file(at + (pb - pa) - 1) == pb - 1
            at += pb - pa
