"""Transcription with the real embedded model on real media; the guards as pure functions."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import asr
from pipeline.asr_guards import (
    RawSegment,
    compression_ratio,
    is_nonverbal,
    is_phantom,
    merge_pieces,
    phantom_sentences,
    repeats_a_sentence,
    split_at_gaps,
    spread_words,
    tidy_words,
)
from pipeline.cache import Cache
from pipeline.cli import main
from pipeline.metrics import edit_distance, normalize, wer
from pipeline.options import Options
from pipeline.types import Transcript, Word

OPTS = Options(device="cpu")


def reference(path: Path) -> str:
    text = Path(f"{path}.txt").read_text(encoding="utf-8")
    return " ".join(re.sub(r"\[[^\]]*\]", " ", line) for line in text.splitlines()).strip()


def text_of(t: Transcript) -> str:
    return " ".join(w.text for w in t.words)


# Accuracy is judged per language over several clips, not per clip: CTranslate2's int8 kernels differ by the
# instruction set it picks (CT2_FORCE_CPU_ISA=GENERIC|AVX|AVX2|AVX512), and on one short clip a single word
# is a 5-15 % swing. Measured with the embedded base model (word errors / reference words, pooled):
#   ISA       en (4 clips)   fr (3 clips)         ar CER (2 clips)   (AMD EPYC, oneDNN kernels)
#   GENERIC   2/51 = 0.039   5/40 = 0.125         10/113 = 0.088
#   AVX       2/51 = 0.039   5/40 = 0.125         8/113 = 0.071
#   AVX2      2/51 = 0.039   4/40 = 0.100         7/113 = 0.062
#   ISA       en (4 clips)   fr (3 clips)         ar CER (2 clips)   (Intel Xeon with AVX-512, MKL kernels)
#   GENERIC   2/51 = 0.039   6/40 = 0.150         9/113 = 0.080
#   AVX       2/51 = 0.039   5/40 = 0.125         7/113 = 0.062
#   AVX2      2/51 = 0.039   6/40 = 0.150         7/113 = 0.062
#   AVX512    2/51 = 0.039   6/40 = 0.150         7/113 = 0.062
# (With the encoder hearing each window plus 2 s, not a full 30 s; before: fr 6-7/40, ar 9-10/113.) The
# spread across ISAs is a word or so (Les Misérables: "elle a trouvé" / "ça va trouver"). Each bound is the
# worst measured plus a word or more of that pool (several for French, whose long clip moves), so an ISA's
# word flip passes while a lost clause, a wrong language or a broken decoder fails.
CLIPS = {
    "en": ["audio/en_jfk_whisper.flac", "audio/en_picovoice_test_librispeech-1272-128104-0000.wav",
           "audio/en_ami_ES2011a_headset0_40-46s.wav", "audio/en_sr_english.wav"],
    "fr": ["audio/fr_sr_french.aiff", "audio/fr_picovoice_test_fr_cv.wav", "audio/fr_css10_lesmis_0153.wav"],
    "ar": ["audio/ar-msa_asc_ARA-NORM-0001.wav", "audio/ar-msa_asc_ARA-NORM-0003.wav"],
}
WER_BOUND = {"en": 3 / 51, "fr": 12 / 40}  # 0.059, 0.30
AR_CER_BOUND = 0.12  # 13.5 characters of 113


def pooled_errors(media: Path, transcripts: dict[str, Transcript], lang: str, unit: str) -> tuple[int, int]:
    """(errors, reference length) over the language's clips, in words or characters (normalised texts)."""
    errors = total = 0
    for clip in CLIPS[lang]:
        ref, hyp = normalize(reference(media / clip), lang), normalize(text_of(transcripts[clip]), lang)
        ref_units, hyp_units = (ref.split(), hyp.split()) if unit == "word" else (list(ref), list(hyp))
        errors += edit_distance(ref_units, hyp_units)
        total += len(ref_units)
    return errors, total


@pytest.fixture(scope="module")
def transcripts(media: Path) -> dict[str, Transcript]:
    """Each clip transcribed once (the model itself is memoised per process), language detected."""
    clips = [*(c for cs in CLIPS.values() for c in cs), "video/bbb_0_30_moviepy_NO-SPEECH.webm"]
    return {c: asr.transcribe(media / c, OPTS) for c in clips}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_word_error_rate_per_language(transcripts: dict[str, Transcript], media: Path, lang: str) -> None:
    assert [transcripts[c].language for c in CLIPS[lang]] == [lang] * len(CLIPS[lang])
    errors, words = pooled_errors(media, transcripts, lang, "word")
    assert errors / words <= WER_BOUND[lang], (f"{errors}/{words} words wrong",
                                               [text_of(transcripts[c]) for c in CLIPS[lang]])


@pytest.mark.slow
def test_arabic_character_error_rate(transcripts: dict[str, Transcript], media: Path) -> None:
    assert [transcripts[c].language for c in CLIPS["ar"]] == ["ar", "ar"]
    errors, chars = pooled_errors(media, transcripts, "ar", "char")
    assert errors / chars <= AR_CER_BOUND, (f"{errors}/{chars} characters wrong",
                                            [text_of(transcripts[c]) for c in CLIPS["ar"]])


def test_pooled_error_rate_can_fail(media: Path) -> None:
    """The French bound bites: the AVX2 transcripts measured above pass;
    the same with one sentence lost fail."""
    measured = {
        "audio/fr_sr_french.aiff": "et c'est la dictée numéro 1",
        "audio/fr_picovoice_test_fr_cv.wav": reference(media / "audio/fr_picovoice_test_fr_cv.wav").replace(
            "conseiller général", "conseillers générales"),
        "audio/fr_css10_lesmis_0153.wav": "et ça va trouver moyen de se réfugier dans quelques maisons "
                                          "voisines. La plupart des blessés pouvaient et voulaient encore "
                                          "combattre.",
    }

    def said(texts: dict[str, str]) -> dict[str, Transcript]:
        return {c: Transcript("fr", (Word(t, 0, 1000),), 1000) for c, t in texts.items()}

    assert pooled_errors(media, said(measured), "fr", "word") == (9, 40)
    lesmis = "audio/fr_css10_lesmis_0153.wav"
    lost = measured | {lesmis: measured[lesmis].split(".")[0]}
    errors, words = pooled_errors(media, said(lost), "fr", "word")
    assert errors / words > WER_BOUND["fr"]


@pytest.mark.slow
def test_arabic_word_times_follow_the_reference_alignment(transcripts: dict[str, Transcript],
                                                          media: Path) -> None:
    clip = "audio/ar-msa_asc_ARA-NORM-0001.wav"
    with open(media / f"{clip}.words.tsv", encoding="utf-8") as f:
        ref = [(float(r["start"]) * 1000, float(r["end"]) * 1000) for r in csv.DictReader(f, delimiter="\t")]
    words = transcripts[clip].words
    assert len(words) == len(ref)
    offsets = [abs((w.start_ms + w.end_ms) / 2 - (a + b) / 2) for w, (a, b) in zip(words, ref, strict=True)]
    assert max(offsets) <= 600 and sum(offsets) / len(offsets) <= 250, offsets


@pytest.mark.slow
def test_words_are_well_formed(transcripts: dict[str, Transcript]) -> None:
    for t in transcripts.values():
        previous_end = 0
        for w in t.words:
            assert isinstance(w.start_ms, int) and isinstance(w.end_ms, int)
            assert previous_end <= w.start_ms <= w.end_ms <= t.duration_ms
            assert 0.0 <= w.probability <= 1.0 and w.text == w.text.strip() and w.text
            previous_end = w.end_ms
        for start, end, text in t.segments:
            assert start <= end and text


@pytest.mark.slow
def test_music_without_speech_yields_no_words(transcripts: dict[str, Transcript]) -> None:
    t = transcripts["video/bbb_0_30_moviepy_NO-SPEECH.webm"]
    assert t.words == () and t.segments == ()
    assert asr.NO_SPEECH in t.notes
    assert abs(t.duration_ms - 30_000) < 500


@pytest.mark.slow
def test_music_intro_and_long_pause(media: Path, tmp_path: Path) -> None:
    """20 s of music, a French clip, 5 s of silence, another: the language comes from the speech, no word
    lands in the music, and neither a word nor a segment swallows the pause."""
    clip1, clip2 = media / "audio/fr_picovoice_test_fr_cv.wav", media / "audio/fr_css10_lesmis_0153.wav"
    path = tmp_path / "music then speech.flac"
    mono = "aformat=sample_rates=16000:channel_layouts=mono"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i",
                    str(media / "video/bbb_0_30_moviepy_NO-SPEECH.webm"), "-i", str(clip1), "-i", str(clip2),
                    "-filter_complex",
                    f"[0:a]atrim=0:20,{mono}[m];[1:a]{mono},apad=pad_dur=5[a];[2:a]{mono}[b];"
                    "[m][a][b]concat=n=3:v=0:a=1[out]", "-map", "[out]", str(path)], check=True)
    t = asr.transcribe(path, OPTS)
    assert t.language == "fr"
    assert t.words[0].start_ms >= 19_500
    pause = (20_000 + 6_672 + 300, 20_000 + 6_672 + 5_000 - 300)
    spans = [(w.start_ms, w.end_ms) for w in t.words] + [(a, b) for a, b, _ in t.segments]
    assert not [s for s in spans if s[0] < pause[1] and s[1] > pause[0]], spans
    assert len(t.segments) >= 2
    # Measured 6/33 words wrong (GENERIC), 10/33 (AVX, AVX2; AVX512 reported 0.30 = 10/33): the bound is
    # the worst plus two words; losing either sentence (9 or more words) still fails.
    assert wer(f"{reference(clip1)} {reference(clip2)}", text_of(t), "fr") <= 12 / 33, text_of(t)


@pytest.mark.slow
def test_silence_yields_no_words_and_skips_the_model(tmp_path: Path) -> None:
    silent = tmp_path / "silence.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=d=4:a=0.002",
                    str(silent)], check=True)
    t = asr.transcribe(silent, Options(device="cpu", model="/nonexistent/model/folder"))
    assert t.words == () and t.notes == (asr.NO_SPEECH,)


def test_the_model_loads_while_the_audio_is_read_and_a_bad_one_fails_only_a_file_with_speech(
        media: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from pipeline.errors import ModelError

    started = threading.Event()
    load = asr._load
    monkeypatch.setattr(asr, "_load", lambda *a: started.set() or load(*a))
    decode = asr.decode_audio

    def decode_once_loading(*args: object) -> object:
        assert started.wait(30), "the model waited for the audio"
        return decode(*args)

    monkeypatch.setattr(asr, "decode_audio", decode_once_loading)
    assert asr.transcribe(media / "audio/en_jfk_whisper.flac", OPTS).words
    monkeypatch.setattr(asr, "decode_audio", decode)
    with pytest.raises(ModelError, match="does not exist"):
        asr.transcribe(media / "audio/en_jfk_whisper.flac", Options(device="cpu", model=str(tmp_path / "no")))


FEATURES = """
import sys, numpy as np
from faster_whisper.feature_extractor import FeatureExtractor
from pipeline import asr
from pipeline.media import decode_audio
audio, plain = decode_audio(sys.argv[1]), FeatureExtractor()
np.save(sys.argv[2], np.stack([plain(audio), asr._steady_features(plain)(audio)]))
"""


def test_log_mel_features_do_not_depend_on_blas_threads(media: Path, tmp_path: Path) -> None:
    # With OPENBLAS_NUM_THREADS=1 (or on one core) faster-whisper's float32 features came out slightly
    # different (327 of 88,080 values on JFK's clip), and so did a few words of the bench transcripts.
    import os
    import sys

    import numpy as np

    got = []
    for threads in ("1", "2"):
        out = tmp_path / f"features_{threads}.npy"
        subprocess.run([sys.executable, "-c", FEATURES, str(media / "audio/en_jfk_whisper.flac"), str(out)],
                       check=True, env={**os.environ, "OPENBLAS_NUM_THREADS": threads})
        got.append(np.load(out))
    (plain_1, steady_1), (plain_2, steady_2) = got
    if np.array_equal(plain_1, plain_2):
        pytest.skip("this numpy sums the same on one thread as on two: nothing to steady")
    assert steady_1.dtype == np.float32
    assert np.array_equal(steady_1, steady_2)


@pytest.mark.slow
def test_forced_source_language_and_progress(media: Path) -> None:
    calls: list[tuple[int, int]] = []
    t = asr.transcribe(media / "audio/ar-msa_asc_ARA-NORM-0003.wav", Options(device="cpu", source="ar"),
                       on_progress=lambda done, total: calls.append((done, total)))
    assert t.language == "ar" and t.words
    assert calls and calls[-1] == (t.duration_ms, t.duration_ms)
    assert all(total == t.duration_ms for _, total in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


@pytest.mark.slow
def test_cache_hit_on_rerun_and_miss_on_changed_option(media: Path, tmp_path: Path) -> None:
    cache, clip = Cache(tmp_path
                        / "cache"), media / "audio/en_picovoice_test_librispeech-1272-128104-0000.wav"
    first, hit = asr.transcribe_cached(clip, OPTS, cache)
    assert not hit and first.words
    stored = cache.path(asr.CACHE_STAGE, asr.cache_key(clip, OPTS))
    assert Transcript.from_json(json.loads(stored.read_text(encoding="utf-8"))) == first
    # Mark the stored transcript: a rerun must hand back exactly what is stored, without transcribing.
    marked = first.to_json() | {"notes": ["from the cache"]}
    stored.write_text(json.dumps(marked), encoding="utf-8")
    again, hit = asr.transcribe_cached(clip, OPTS, cache)
    assert hit and again.notes == ("from the cache",) and again.words == first.words
    for changed in (Options(device="cpu", beam_size=2), Options(device="cpu", source="fr"),
                    Options(device="cpu", compute_type="float32")):
        assert asr.cache_key(clip, changed) != asr.cache_key(clip, OPTS)
    assert asr.cache_key(clip, OPTS, prompt="LibanTroc") != asr.cache_key(clip, OPTS)


@pytest.mark.slow
def test_cli_transcribe_writes_srt(media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "témoignage 'un': 1.flac"
    src.write_bytes((media / "audio/en_jfk_whisper.flac").read_bytes())
    out = tmp_path / "out.srt"
    assert main(["transcribe", str(src), "-o", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    assert text.startswith("1\n00:00:") and "-->" in text and "country" in text


def test_cli_bad_input_is_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "clip.mp4"
    bad.write_text("not a video")
    assert main(["transcribe", str(bad), "-o", str(tmp_path / "x.srt")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(bad) in err
    assert not (tmp_path / "x.srt").exists()


# --- guards (pure) ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, lang", [
    ("ترجمة نانسي قنقر", "ar"), (" Sous-titres réalisés par la communauté d'Amara.org", "fr"),
    ("Thanks for watching!", "en"), ("شكراً للمشاهدة.", "ar"),
])
def test_phantom_lines_are_recognised(text: str, lang: str) -> None:
    assert is_phantom(RawSegment(text, ()), lang)


def test_real_speech_is_not_a_phantom() -> None:
    long = "Thank you for watching the whole launch of LibanTroc, and see you at the market in Beirut"
    assert is_phantom(RawSegment(long, ()), "en") is None
    # A short "Thank you." is only dropped when the model doubts there was speech.
    assert is_phantom(RawSegment("Thank you.", (), no_speech_prob=0.05, avg_logprob=-0.2), "en") is None
    assert is_phantom(RawSegment("Thank you.", (), no_speech_prob=0.5, avg_logprob=-0.2), "en")


def test_a_credit_line_after_real_speech_is_found_as_its_own_sentence() -> None:
    def words(text: str) -> list[Word]:
        return [Word(t, 100 * i, 100 * i + 90) for i, t in enumerate(text.split())]

    # Hand-worked: sentences end at ".", "!", "?", "…" (a closing quote or bracket may follow the mark).
    ar = words("أن يكون جاذبا للمواطن الأقل دخلا. ترجمة نانسي قنقر")
    assert phantom_sentences(ar, "ar") == [(6, 9, "ترجمة نانسي قنقر")]
    fr = words("Merci à tous. Sous-titrage ST' 501 Et bonne soirée (vraiment).")
    assert phantom_sentences(fr, "fr") == []  # the credit runs into a real sentence: 3 of 9 words
    fr = words("Merci à tous. Sous-titrage ST' 501. Et bonne soirée (vraiment).")
    assert phantom_sentences(fr, "fr") == [(3, 6, "Sous-titrage ST' 501")]
    en = words('"Thanks for watching!" The market opened at dawn.')
    assert phantom_sentences(en, "en") == [(0, 3, "Thanks for watching!")]
    assert phantom_sentences(words("Thank you for watching the launch of LibanTroc in Beirut."), "en") == []
    assert phantom_sentences(words("Thanks for watching!"), "xx") == []  # a language without a table


def test_music_symbols_are_not_words() -> None:
    assert is_nonverbal(" ¶¶") and is_nonverbal("♪ ♪ ...") and is_nonverbal("")
    assert not is_nonverbal("♪ la la la ♪") and not is_nonverbal("مرحبا")


def test_words_spread_over_a_segment_without_alignment() -> None:
    words = spread_words(" Sous le consulat ", 1000, 2600)
    assert [w.text for w in words] == ["Sous", "le", "consulat"]
    assert words[0].start_ms == 1000 and words[-1].end_ms == 2600
    assert all(a.end_ms == b.start_ms for a, b in pairwise(words)) and all(w.probability == 0.0
                                                                           for w in words)
    assert words[2].end_ms - words[2].start_ms > words[1].end_ms - words[1].start_ms


def test_repetition_loops_compress_well() -> None:
    assert compression_ratio("شكرا جزيلا " * 20) > 2.4
    assert compression_ratio("And so my fellow Americans, ask not what your country can do for you") < 2.4


def test_a_sentence_written_twice_is_found() -> None:
    said_twice = "Et ça va trouver moyen de se réfugier. La plupart des blessés. Et ça va trouver moyen de se"
    assert repeats_a_sentence(said_twice)
    assert repeats_a_sentence("ONE two three four five six, and then: one two Three four five six!")
    # five words in common are not a sentence; nor is a run that overlaps itself within six words
    assert not repeats_a_sentence("one two three four five six seven. one two three four five eight")
    assert not repeats_a_sentence("la la la la la la la")
    assert not repeats_a_sentence("And so my fellow Americans, ask not what your country can do for you, ask "
                                  "what you can do for your country.")


words_st = st.lists(st.tuples(st.text("abc", min_size=1, max_size=6), st.integers(0, 10_000),
                              st.integers(0, 8_000)), max_size=15)


@given(words_st)
def test_tidy_words_are_monotonic_and_bounded(raw: list[tuple[str, int, int]]) -> None:
    ws = [Word(" " + t, s, s + d) for t, s, d in sorted(raw, key=lambda r: r[1])]
    out = tidy_words(ws, 2500)
    assert len(out) == len(ws)
    for a, b in pairwise(out):
        assert a.end_ms <= b.start_ms
    assert all(w.start_ms <= w.end_ms and w.end_ms - w.start_ms <= 2500 and w.text == w.text.strip()
               for w in out)


def test_a_word_swallowing_a_pause_is_clamped_on_the_pause_side() -> None:
    # "again" starts right after a 4 s pause Whisper stretched it over: its end, next to "now", is kept.
    ws = [Word(" and", 0, 300), Word(" again", 400, 5200), Word(" now", 5250, 5500)]
    out = tidy_words(ws, 2500)
    assert out[1].end_ms == 5200 and out[1].start_ms > 4000
    assert [len(run) for run in split_at_gaps(out, 1500)] == [1, 2]


def test_word_pieces_are_merged() -> None:
    ws = [Word(" et", 0, 100), Word(" c", 100, 200), Word("'est", 200, 400), Word(" la", 400, 500)]
    assert [w.text for w in merge_pieces(ws)] == [" et", " c'est", " la"]
    assert merge_pieces(ws)[1].end_ms == 400


def test_a_window_decode_is_split_into_one_segment_per_piece() -> None:
    from faster_whisper.transcribe import Segment
    from faster_whisper.transcribe import Word as FwWord

    from pipeline.asr_batch import by_piece
    from pipeline.asr_windows import Window

    def seg(words: list[tuple[str, float, float]]) -> Segment:
        ws = [FwWord(start=a, end=b, word=t, probability=0.9) for t, a, b in words]
        return Segment(id=0, seek=0, start=0.0, end=4.0, text="".join(w.word for w in ws), tokens=[1, 2],
                       avg_logprob=-0.2, compression_ratio=9.0, no_speech_prob=0.1, words=ws, temperature=0.0)

    # Pieces play 0-2 s and 2-3.5 s of the window. "there" (1.8-2.4 s) has its middle at 2.1 s: second piece.
    window = Window(((1000, 3000), (8000, 9500)))
    whole = seg([(" Hello", 0.1, 0.5), (" there", 1.8, 2.4), (" Thanks", 2.6, 3.0), (" all.", 3.0, 3.4)])
    first, second = by_piece(window, [whole])
    assert (first.text, first.start, first.end) == (" Hello", 0.1, 0.5)
    assert (second.text, second.start, second.end) == (" there Thanks all.", 1.8, 3.4)
    assert [w.word for w in second.words] == [" there", " Thanks", " all."]
    # the window's scores stay; the repetition measure is the piece's own text's
    assert (second.avg_logprob, second.no_speech_prob) == (-0.2, 0.1)
    assert second.compression_ratio < 2.0
    # a segment without word times (a failed alignment) stays whole
    bare = replace(seg([]), text=" Hi there", words=None)
    assert by_piece(window, [bare]) == [bare]



def test_a_window_looping_across_its_pieces_is_doubtful() -> None:
    from faster_whisper.transcribe import Segment

    sentence = " Et ça va trouver moyen de se réfugier dans quelques maisons voisines."

    def piece(text: str) -> Segment:
        return Segment(id=0, seek=0, start=0.0, end=9.0, text=text, tokens=[1], avg_logprob=-0.12,
                       compression_ratio=compression_ratio(text), no_speech_prob=0.01, words=None,
                       temperature=0.0)

    # one sentence per piece: no piece repeats itself, the window does (Whisper looping over 28 s)
    loop = [piece(sentence) for _ in range(4)]
    assert all(seg.compression_ratio < 2.4 for seg in loop)
    assert compression_ratio("".join(seg.text for seg in loop)) > 2.4
    assert asr._doubtful(loop, asr.SETTINGS)
    # the same sentence twice in a window is a speaker repeating it, not a loop
    assert not asr._doubtful([piece(sentence), piece(" La plupart des blessés pouvaient et voulaient encore "
                                                     "combattre."), piece(sentence)], asr.SETTINGS)

def test_encoder_context_is_the_longest_window_plus_a_margin() -> None:
    from pipeline.asr_batch import context_frames
    from pipeline.asr_windows import Window

    def w(ms: int) -> Window:
        return Window(((0, ms),))

    # 100 mel frames a second; the longest window plus 2 s, rounded up to a whole second
    assert context_frames([w(23_000), w(22_900)], 2000, 10_000) == 2500
    assert context_frames([w(22_900), w(23_100)], 2000, 10_000) == 2600
    assert context_frames([w(11_000)], 2000, 10_000) == 1300
    # a 3 s clip: 10 s at least; a full window: 30 s at most
    assert context_frames([w(3000)], 2000, 10_000) == 1000
    assert context_frames([w(29_500), w(4000)], 2000, 10_000) == 3000
    # pieces count, not the span of the file they come from
    assert context_frames([Window(((0, 8000), (20_000, 30_000)))], 2000, 10_000) == 2000

@pytest.mark.slow
def test_a_failed_word_alignment_does_not_fail_the_file(monkeypatch: pytest.MonkeyPatch, media: Path) -> None:
    from faster_whisper import WhisperModel

    def broken(*args: object, **kwargs: object) -> None:
        raise IndexError("boolean index did not match indexed array")  # faster-whisper, empty alignment

    monkeypatch.setattr(WhisperModel, "find_alignment", broken)
    assert asr.load_model(OPTS).find_alignment(None, [[1], [2]], None, 0) == [[], []]
    clip = media / "audio/en_picovoice_test_librispeech-1272-128104-0000.wav"
    t = asr.transcribe(clip, Options(device="cpu", source="en"))
    assert t.words and all(w.probability == 0.0 for w in t.words)  # estimated times, text kept
    assert wer(reference(clip), text_of(t)) <= 0.05


@pytest.mark.slow
def test_truncated_file_is_transcribed_as_far_as_it_goes_with_a_note(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parent.parent / "videos" / "sample_ar.mp4"  # +faststart: index first
    data = sample.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 6 // 10])
    t = asr.transcribe(cut, Options(source="ar"))
    assert any("truncated" in n for n in t.notes), t.notes
    assert t.words and t.words[-1].end_ms < 7200
    whole = asr.transcribe(sample, Options(source="ar"))
    assert not any("truncated" in n for n in whole.notes)


def test_sound_ending_before_the_picture_is_not_called_damage(tmp_path: Path) -> None:
    clip = tmp_path / "phone clip.mp4"  # 8 s of picture, 5 s of sound (a tone: no speech, no model loaded)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:"
                    "duration=8", "-f", "lavfi", "-i", "sine=frequency=440:duration=5", "-c:v", "libx264",
                    "-preset", "ultrafast", "-c:a", "aac", str(clip)], check=True)
    t = asr.transcribe(clip, Options(source="en"))
    assert abs(t.duration_ms - 5000) <= 100
    assert not any("truncated" in n for n in t.notes), t.notes


@given(st.integers(0, 10_000_000), st.integers(0, 10_000_000))
def test_damage_note_only_when_audio_stops_well_short(container: int, decoded: int) -> None:
    noted = bool(asr._damage_note(container, decoded))
    if decoded >= container - 1000:  # rounding, a last partial frame, a short tail: no alarm
        assert not noted
    if container >= 4000 and decoded <= container // 2:  # half the audio missing: always said
        assert noted


def test_known_media_hash_is_used_and_gives_the_same_key(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(b"not really audio")
    from pipeline.cache import file_sha256

    key = asr.cache_key(clip, OPTS)
    known = file_sha256(clip)

    def no_hashing(path: object) -> str:
        raise AssertionError("the media was hashed again")

    monkeypatch.setattr(asr, "file_sha256", no_hashing)
    assert asr.cache_key(clip, OPTS, media_sha256=known) == key
    cache = Cache(tmp_path / "cache")
    stored = Transcript("en", (Word("hi", 0, 400),), 1000)
    cache.put(asr.CACHE_STAGE, key, stored.to_json())
    assert asr.transcribe_cached(clip, OPTS, cache, media_sha256=known) == (stored, True)
    assert asr.cached_transcript(clip, OPTS, cache, media_sha256=known) == stored
    assert asr.cached_transcript(clip, OPTS, cache, prompt="other", media_sha256=known) is None
