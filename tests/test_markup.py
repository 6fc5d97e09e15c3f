"""One reading of cue markup for QC, segmentation, burning and the exports (pipeline.markup)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import ass, markup, qc, typography
from pipeline.markup import Tag
from pipeline.profiles import profile
from pipeline.subtitles import srt_to_string, vtt_to_string
from pipeline.types import Cue


def test_comparisons_and_hearts_are_text() -> None:
    # 14 characters are drawn: nothing here is markup.
    assert typography.display_length("3 < 5 et 7 > 2") == 14
    assert markup.visible("I <3 you <script>") == "I <3 you <script>"
    assert markup.visible("{b} {\\an8}x") == "{b} x"


def test_tags_in_any_case_and_spacing() -> None:
    assert markup.tokens("< i >a</I >") == [Tag("style", "i", False, "< i >"), "a",
                                            Tag("style", "i", True, "</I >")]
    assert markup.visible('<FONT color="#ff0000">red</FONT> <B>b</B>') == "red b"
    assert typography.display_length("{\\an8}<I>ask</I>") == 3


def test_top_placement_only_from_a_leading_an8() -> None:
    assert markup.top_placed(["{\\an8}ask", "what"]) == (True, ("ask", "what"))
    assert markup.top_placed(["{\\i1}{\\an8}ask"]) == (True, ("{\\i1}ask",))
    assert markup.top_placed(["ask {\\an8}"]) == (False, ("ask {\\an8}",))


def test_unbalanced_tags_read_like_the_burn() -> None:
    assert markup.unbalanced(["<I>for your", "country.</i>"]) is None
    assert markup.unbalanced(["< b >x"]) == "<b> is never closed"
    assert markup.unbalanced(["x</u>"]) == "</u> without a matching <u>"
    assert markup.unbalanced(["3 < 5 et 7 > 2"]) is None
    finding = qc.check_cues([Cue(0, 2000, ("< i >x",))], profile("en", "landscape"))
    assert [f.code for f in finding] == ["unbalanced_tags"]


def test_vtt_export_keeps_meaning_not_markup() -> None:
    cues = [Cue(0, 2000, ("{\\an8}ask what you can do",)), Cue(2000, 4000, ("<I>for your country.</I>",)),
            Cue(4000, 6000, ('<FONT color="red">< i >Tom</i> & Jerry</FONT> <3 --> 5',))]
    vtt = vtt_to_string(cues)
    assert "00:00:00.000 --> 00:00:02.000 line:0\nask what you can do\n" in vtt
    assert "\n<i>for your country.</i>\n" in vtt
    assert "\n<i>Tom</i> &amp; Jerry &lt;3 --&gt; 5\n" in vtt
    assert "{" not in vtt and "FONT" not in vtt and "< i >" not in vtt


def test_the_burn_reads_the_same_markup() -> None:
    plain, marks = ass.srt_tags("< i >Tom</I> <font color=red>&</font> {\\b1}3 < 5")
    assert plain == "Tom & 3 < 5"
    assert marks == {0: "{\\i1}", 3: "{\\i0}"}


def test_line_separators_are_not_written_raw() -> None:
    cue = Cue(0, 1000, ("one\u2028two\u0085three\x0bfour", "", "five"))
    for text in (srt_to_string([cue]), vtt_to_string([cue])):
        assert "\u2028" not in text and "\u0085" not in text and "\x0b" not in text
        assert "one two three four\nfive\n" in text


@settings(max_examples=300, deadline=1000)
@given(st.text(st.sampled_from("<>/{}\\ ibuIBfontan8x&3"), max_size=40))
def test_visible_is_the_text_runs(line: str) -> None:
    tokens = markup.tokens(line)
    assert "".join(t if isinstance(t, str) else t.raw for t in tokens) == line
    assert markup.visible(line) == "".join(t for t in tokens if isinstance(t, str))
    assert ass.srt_tags(line)[0] == markup.visible(line)


def test_typography_never_changes_markup() -> None:
    assert (typography.apply('<font face="Arial, bold">نعم , لا</font>', "ar")
            == '<font face="Arial, bold">نعم، لا</font>')
    assert typography.apply("{\\pos(10,20)}<I>Oui?</I>", "fr") == "{\\pos(10,20)}<I>Oui\u202f?</I>"
    assert typography.apply("<i>Bonjour</i>!", "fr") == "<i>Bonjour</i>\u202f!"


@settings(max_examples=200, deadline=1000)
@given(st.lists(st.sampled_from(["<i>", "</i>", "< B >", "<font color=\"1,2\">", "</font>", "{\\an8}",
                                 "{\\a,b}", "Oui", " ", "?", ",", "!", ":", "نعم", "...", "«", "»"]),
                max_size=12),
       st.sampled_from(["ar", "fr", "en"]))
def test_typography_keeps_every_tag(parts: list[str], lang: str) -> None:
    line = "".join(parts)
    tags = [t.raw for t in markup.tokens(line) if isinstance(t, Tag)]
    assert [t.raw for t in markup.tokens(typography.apply(line, lang)) if isinstance(t, Tag)] == tags


def test_lines_are_cut_at_spaces_never_inside_markup() -> None:
    line = '<font color="dark red">x y</font> 3 < 5 {\\pos(1, 2)}z'
    assert markup.split_at_spaces(line) == ['<font color="dark red">x', "y</font>", "3", "<", "5",
                                            "{\\pos(1, 2)}z"]
    assert " ".join(markup.split_at_spaces(line)) == line


@settings(max_examples=200, deadline=1000)
@given(st.lists(st.sampled_from(["<i>", "</i>", "< b >", '<font color="a b">', "</font>", "{\\a b}", "x", " ",
                                 "  ", "<", ">", "3"]), max_size=12))
def test_split_pieces_have_no_drawn_space_and_keep_the_tags(parts: list[str]) -> None:
    line = "".join(parts)
    pieces = markup.split_at_spaces(line)
    assert all(" " not in markup.visible(p) for p in pieces)
    assert [t.raw for p in pieces for t in markup.tokens(p) if isinstance(t, Tag)] == [
        t.raw for t in markup.tokens(line) if isinstance(t, Tag)]
