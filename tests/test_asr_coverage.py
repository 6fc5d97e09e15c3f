"""No speech dropped: long-form inputs built from the shared clips with 1.5-3 s pauses, with the real model.

Each clip of each language must be found in the cues over its own time span. Also: batched and sequential
decoding agree; speech that still yields nothing is reported (note, QC finding, `check --media`).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import asr, qc, vad
from pipeline import asr_windows as aw
from pipeline.cli import main
from pipeline.metrics import normalize, words_found
from pipeline.options import Options
from pipeline.profiles import profile
from pipeline.segment import segment
from pipeline.subtitles import srt_to_string
from pipeline.types import Cue, Transcript

pytestmark = pytest.mark.slow

# One language each, every clip at least once, pauses of 1.5-3 s. Arabic plays a sentence twice in a row:
# stitched together (the old path), Whisper merged the two into one and the second vanished.
LONG_FORM: dict[str, list[tuple[str, float]]] = {
    "ar": [("audio/ar-msa_asc_ARA-NORM-0001.wav", 2.6), ("audio/ar-msa_asc_ARA-NORM-0001.wav", 2.2),
           ("audio/ar-msa_asc_ARA-NORM-0003.wav", 2.6), ("audio/ar-msa_asc_ARA-NORM-0001.wav", 1.8),
           ("audio/ar-msa_asc_ARA-NORM-0003.wav", 0.0)],
    "fr": [("audio/fr_picovoice_test_fr_cv.wav", 2.2), ("audio/fr_sr_french.aiff", 2.1),
           ("audio/fr_picovoice_test_fr_cv.wav", 1.8), ("audio/fr_css10_lesmis_0153.wav", 2.2),
           ("audio/fr_sr_french.aiff", 3.0), ("audio/fr_css10_lesmis_0153.wav", 0.0)],
    "en": [("audio/en_picovoice_test_librispeech-1272-128104-0000.wav", 2.6),
           ("video/en_grid_bbaf2n.mpg", 2.2), ("video/en_grid_swwp2s.mpg", 2.1),
           ("audio/en_jfk_whisper.flac", 2.8), ("audio/en_ami_ES2011a_headset0_40-46s.wav", 2.1),
           ("audio/en_sr_english.wav", 2.4), ("video/en_grid_lwbsza.mpg", 1.5),
           ("audio/en_jfk_whisper.flac", 0.0)],
}


def reference(path: Path) -> str:
    text = Path(f"{path}.txt").read_text(encoding="utf-8")
    return " ".join(re.sub(r"\[[^\]]*\]", " ", line) for line in text.splitlines()).strip()


def duration_s(path: Path) -> float:
    return float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                                 "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout)


def build(media: Path, out: Path, clips: list[tuple[str, float]]) -> list[tuple[int, int, str]]:
    """The clips one after the other, each followed by its pause; (start_ms, end_ms, reference) per clip."""
    args, parts, spans, t = [], [], [], 0.0
    for i, (clip, pause) in enumerate(clips):
        args += ["-i", str(media / clip)]
        parts.append(f"[{i}:a]aformat=sample_rates=16000:channel_layouts=mono,apad=pad_dur={pause}[a{i}]")
        d = duration_s(media / clip)
        spans.append((round(t * 1000), round((t + d) * 1000), reference(media / clip)))
        t += d + pause
    graph = ";".join(parts) + ";" + "".join(f"[a{i}]" for i in range(len(clips))) + \
        f"concat=n={len(clips)}:v=0:a=1[out]"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args, "-filter_complex", graph, "-map",
                    "[out]", str(out)], check=True)
    return spans


def found(ref: str, cues: list[Cue], span: tuple[int, int], lang: str) -> float:
    """Share of the clip's reference words in the cues overlapping its time span."""
    return words_found(ref, " ".join(c.text for c in cues if c.start_ms < span[1] and span[0] < c.end_ms),
                       lang)


@pytest.fixture(scope="module")
def long_form(media: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list, Transcript]]:
    tmp = tmp_path_factory.mktemp("long_form")
    out = {}
    for lang, clips in LONG_FORM.items():
        path = tmp / f"long_{lang}.wav"
        spans = build(media, path, clips)
        out[lang] = (spans, asr.transcribe(path, Options(device="cpu")))
    return out


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_every_clip_is_found_in_the_cues_over_its_span(long_form: dict, lang: str) -> None:
    spans, t = long_form[lang]
    assert t.language == lang
    cues = segment(t.words, profile(lang))
    for start, end, ref in spans:
        share = found(ref, cues, (start, end), lang)
        # Found = a good share of its words there (a dropped clip scores 0); the base model misspells GRID's
        # letter codes ("bin blue at f two now" -> "Bimblue F2 now."), which costs half of such a clip.
        assert share >= 0.4, (lang, start, end, ref,
                              [c.text for c in cues if c.start_ms < end and start < c.end_ms])
    assert not [n for n in t.notes if "has no subtitle" in n], t.notes



@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_every_clip_of_the_bench_inputs_is_found(tmp_path: Path, lang: str) -> None:
    # The 3-minute inputs `make bench` measures coverage on (the issue's own criterion): on an Intel CPU the
    # French one lost the second sentence of a clip without a note, which the shorter inputs above did not
    # show.
    from bench.bench_asr import build_long_form

    path = tmp_path / f"long_form_{lang}.flac"
    spans = build_long_form(path, lang)
    t = asr.transcribe(path, Options(device="cpu"))
    assert t.language == lang
    cues = segment(t.words, profile(lang))
    lost = [(start, end, ref) for start, end, ref in spans if found(ref, cues, (start, end), lang) < 0.4]
    assert not lost, lost
    assert not [n for n in t.notes if "has no subtitle" in n], t.notes


def test_a_window_looping_under_the_glossary_prompt_is_decoded_again_without_it(media: Path,
                                                                                tmp_path: Path) -> None:
    # The 3-minute French bench input, forced to French with the campaign glossary's names as Whisper's
    # prompt (what `make subtitles LANG_SRC=fr` does): one window looped on a sentence ("Et ça va trouver
    # moyen ..." five times over 28 s) and five clips were lost without a note. On an AMD CPU, later, a window
    # wrote that sentence three times over 25 s in place of two other clips (compression ratio 2.28, under
    # the loop bar): a window repeating a sentence under the names is decoded again without them.
    from bench.bench_asr import build_long_form
    from pipeline import glossary

    path = tmp_path / "long_fr.flac"
    spans = build_long_form(path, "fr")
    t = asr.transcribe(path, Options(device="cpu", source="fr"),
                       prompt=glossary.whisper_prompt(glossary.load(), "fr"))
    cues = segment(t.words, profile("fr"))
    lost = [(start, end, ref) for start, end, ref in spans if found(ref, cues, (start, end), "fr") < 0.4]
    assert not lost, lost

def test_no_cue_runs_over_a_pause_between_clips(long_form: dict) -> None:
    for lang, (spans, t) in long_form.items():
        cues = segment(t.words, profile(lang))
        for (_, end, _), (nxt, _, _) in zip(spans, spans[1:], strict=False):
            if nxt - end >= 2000:  # a cue may linger a little into the pause, never through it
                assert not [c for c in cues if c.start_ms < end - 200 and c.end_ms > nxt + 200], (lang, end,
                                                                                                  nxt)


CLIPS = ["audio/en_jfk_whisper.flac", "audio/fr_css10_lesmis_0153.wav", "audio/ar-msa_asc_ARA-NORM-0001.wav"]


def agree(batched: Transcript, sequential: Transcript) -> None:
    """Same words, each starting and ending within 100 ms of the other's."""
    lang = batched.language
    assert [normalize(w.text, lang) for w in batched.words] == [normalize(w.text, lang)
                                                                for w in sequential.words]
    for a, b in zip(batched.words, sequential.words, strict=True):
        assert abs(a.start_ms - b.start_ms) <= 100 and abs(a.end_ms - b.end_ms) <= 100, (a, b)


@pytest.mark.parametrize("clip", CLIPS)
def test_batched_and_sequential_agree(media: Path, clip: str) -> None:
    agree(asr.transcribe(media / clip, Options(device="cpu", batch_size=8)),
          asr.transcribe(media / clip, Options(device="cpu", batch_size=1)))


def test_window_by_window_encoding_on_cpu_is_the_batched_encoding(media: Path) -> None:
    import numpy as np

    from pipeline import asr_batch
    from pipeline.media import decode_audio

    model = asr.load_model(Options(device="cpu"))
    audio = decode_audio(media / "audio/en_jfk_whisper.flac")
    wins = [aw.Window(((0, 4000),)), aw.Window(((4000, 11000),)), aw.Window(((0, 2000), (6000, 9000)))]
    features = asr_batch._features(model, audio, wins)
    one_by_one = np.asarray(asr_batch._encode(model, features))
    assert one_by_one.shape == (3, 1500, 512)
    np.testing.assert_allclose(one_by_one, np.asarray(model.encode(features)), atol=1e-4)


def test_batched_words_land_on_the_file_timeline_without_the_pauses(media: Path, tmp_path: Path) -> None:
    # 5 s pauses: the three clips are decoded as one window without them (asr_windows); each clip's words
    # must be those it gets decoded alone, and lie in its own span of the file.
    clips = [("audio/en_jfk_whisper.flac", 5.0),
             ("audio/en_picovoice_test_librispeech-1272-128104-0000.wav", 5.0),
             ("audio/en_jfk_whisper.flac", 0.0)]
    path = tmp_path / "three clips with pauses.wav"
    spans = build(media, path, clips)
    batched = asr.transcribe(path, Options(device="cpu", batch_size=8))
    for (clip, _), (start, end, ref) in zip(clips, spans, strict=True):
        inside = [w.text for w in batched.words if start - 200 <= w.start_ms and w.end_ms <= end + 200]
        alone = asr.transcribe(media / clip, Options(device="cpu", batch_size=8))
        assert [normalize(t, "en") for t in inside] == [normalize(w.text, "en") for w in alone.words], (
            start, end, inside)
        assert words_found(ref, " ".join(inside), "en") >= 0.9, (start, end, inside)


def test_encoder_hears_the_window_plus_a_margin_and_detection_a_full_window(
        media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from pipeline import asr_batch
    from pipeline.media import decode_audio
    from pipeline.profiles import LANGUAGES

    frames: list[int] = []
    encode = asr_batch._encode
    monkeypatch.setattr(asr_batch, "_encode", lambda model, f: frames.append(f.shape[-1]) or encode(model, f))
    asr.transcribe(media / "audio/en_jfk_whisper.flac", Options(device="cpu"))
    # one window of 10-11 s of JFK's 11.0 s, plus 2 s, rounded up to a second: 13 s of 100 mel frames
    assert frames == [1300]

    # A 3 s GRID clip: English is judged on a full 30 s encoding of its window (on its 10 s one the model is
    # much less sure: 0.45 against 0.69 measured).
    model = asr.load_model(Options(device="cpu"))
    audio = decode_audio(media / "video/en_grid_lwbsza.mpg")
    window = aw.Window(((0, len(audio) * 1000 // 16_000),))
    features = asr_batch._features(model, audio, [window])
    short = asr_batch._encode(model, np.ascontiguousarray(features[..., :1000]))
    found = asr_batch._detect(model, features, short, tuple(LANGUAGES))
    full = model.model.detect_language(model.encode(features))[0]
    expected = max(p for token, p in full if token[2:-2] in LANGUAGES)
    assert found.language == "en" and abs(found.probability - expected) < 1e-3, (found, expected)
    assert np.asarray(short).shape[1] == 500
    # on 20 s or more of context the batch's own encoding serves (no extra encoder pass)
    longer = asr_batch._encode(model, np.ascontiguousarray(features[..., :2000]))
    monkeypatch.setattr(model, "encode", lambda *a, **k: pytest.fail("a second encoder pass"))
    assert asr_batch._detect(model, features, longer, tuple(LANGUAGES)).language == "en"


def test_speech_that_yields_nothing_is_a_note_and_a_finding(media: Path, monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    """The decoder faked to hear nothing (every pass): real VAD finds the speech, the transcript says where
    it is, and `check --media` raises speech_without_subtitle with the span."""
    clip = media / "audio/en_jfk_whisper.flac"
    first: list[list[aw.Window]] = []
    again: list[tuple[aw.Span, ...]] = []

    def deaf(job: object, windows: list[aw.Window], *args: object) -> tuple[object, list]:
        first.append(windows)
        return job, []

    def deaf_alone(job: object, window: aw.Window, *args: object, **kwargs: object) -> list:
        again.append(window.pieces)
        return []

    monkeypatch.setattr(asr, "_batched", deaf)
    monkeypatch.setattr(asr, "_loop", deaf_alone)
    t = asr.transcribe(clip, Options(device="cpu", source="en"))
    speech = vad.speech_spans(clip)
    assert len(first) == 2 and len(speech) > 1
    for windows in first:  # all the speech, then all of it again at once, packed into windows
        assert all(any(a <= s0 and s1 <= b for w in windows for a, b in w.pieces) for s0, s1 in speech)
    assert again == [(s,) for s in speech]  # then each speech chunk again on its own
    assert t.words == ()
    assert [n for n in t.notes if "has no subtitle" in n] == [aw.no_subtitle_note(s) for s in speech]
    assert t.notes[0] == "speech at 0:00–0:02 has no subtitle"  # JFK's "And so my fellow Americans"

    srt = tmp_path / "jfk.en.srt"
    srt.write_text(srt_to_string([Cue(300, 6000, ("And so my fellow Americans,",)),
                                  Cue(6100, 10_900, ("ask not what your country can do for you",))]),
                   encoding="utf-8")
    assert main(["check", str(srt), "--media", str(clip), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)[0]["findings"]
    assert not [f for f in findings if f["code"] == "speech_without_subtitle"]  # every chunk is touched
    last = [Cue(10_900, 11_000, ("country.",))]  # touches only the last speech chunk
    srt.write_text(srt_to_string(last), encoding="utf-8")
    assert main(["check", str(srt), "--media", str(clip), "--json"]) == 0  # a warning: exit 0
    uncovered = [f for f in json.loads(capsys.readouterr().out)[0]["findings"]
                 if f["code"] == "speech_without_subtitle"]
    # every chunk but the last, whole, and the last one's stretch before the cue (it ends under 2 s after it)
    (a, b) = speech[-1]
    assert a < 10_900 - 2000 and b < 11_000 + 2000
    assert [(f["start_ms"], f["end_ms"]) for f in uncovered] == [*speech[:-1], (a, 10_900)]
    assert vad.uncovered_speech(clip, last) == [*speech[:-1], (a, 10_900)]


@pytest.mark.parametrize("beam", [5, 1])
def test_speech_after_an_early_stop_is_found_by_the_packed_retry(media: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path, beam: int) -> None:
    """The first pass faked to stop after the first clip (what Whisper does now and then); the retry, real,
    decodes the chunks after the stop packed into a window of their own, so no chunk needs a decode alone.
    The retry's beam is 5 even after a greedy first pass (--beam-size 1)."""
    path = tmp_path / "three clips.wav"
    spans = build(media, path, [("audio/en_jfk_whisper.flac", 2.0),
                                ("audio/en_picovoice_test_librispeech-1272-128104-0000.wav", 2.0),
                                ("audio/en_jfk_whisper.flac", 0.0)])
    real, calls, alone = asr._batched, [], []

    def stops_early(job: asr._Job, windows: list[aw.Window], *args: object) -> tuple[object, list]:
        calls.append(job.beam_size)
        job, segments = real(job, windows, *args)
        return job, [seg for seg in segments if len(calls) > 1 or seg.end <= spans[0][1] / 1000 + 0.5]

    def loop(*args: object, **kwargs: object) -> list:
        alone.append(args[1])
        return []

    monkeypatch.setattr(asr, "_batched", stops_early)
    monkeypatch.setattr(asr, "_loop", loop)
    t = asr.transcribe(path, Options(device="cpu", source="en", beam_size=beam))
    assert calls == [beam, 5] and alone == []
    for start, end, ref in spans:
        inside = " ".join(w.text for w in t.words if start - 200 <= w.start_ms and w.end_ms <= end + 200)
        assert words_found(ref, inside, "en") >= 0.9, (start, end, inside)


@pytest.mark.parametrize("second_pass", ["real", "deaf"])
def test_a_sentence_skipped_inside_a_chunk_is_decoded_again_or_reported(
        media: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, second_pass: str) -> None:
    """The first pass faked to skip the second sentence of the Les Misérables clip (what Whisper did with
    AVX-512 kernels on the French bench input: the chunk kept its first sentence's words, so it was not
    sparse, and 3 s of speech went without a subtitle or a note). The chunk is decoded again on its own
    (real) and the sentence comes back; when that and the seeking loop yield nothing (deaf), the stretch is a
    note."""
    path = tmp_path / "three clips.wav"
    spans = build(media, path, [("audio/fr_picovoice_test_fr_cv.wav", 2.0),
                                ("audio/fr_css10_lesmis_0153.wav", 2.0), ("audio/fr_sr_french.aiff", 0.0)])
    real, calls = asr._batched, []

    def skips(job: asr._Job, windows: list[aw.Window], *args: object) -> tuple[object, list]:
        calls.append(windows)
        job, segments = real(job, windows, *args)
        if len(calls) > 1:  # the retry: real, or deaf too
            return job, segments if second_pass == "real" else []
        out = []
        for seg in segments:
            texts = [normalize(w.word, "fr") for w in seg.words]
            if "voisines" in texts:  # the words after the first sentence are gone
                kept = seg.words[:texts.index("voisines") + 1]
                seg = replace(seg, words=kept, end=kept[-1].end, text="".join(w.word for w in kept))
            out.append(seg)
        return job, out

    monkeypatch.setattr(asr, "_batched", skips)
    if second_pass == "deaf":
        monkeypatch.setattr(asr, "_loop", lambda *args, **kwargs: [])
    t = asr.transcribe(path, Options(device="cpu", source="fr"))
    start, end, ref = spans[1]
    inside = " ".join(w.text for w in t.words if start - 200 <= w.start_ms and w.end_ms <= end + 200)
    missing = [n for n in t.notes if "has no subtitle" in n]
    if second_pass == "real":
        # the clip's second sentence, from its reference (the first one's words vary by a word or two: "elles
        # avaient trouvé" / "et ça va trouver", by CPU instruction set)
        second = "La plupart des blessés pouvaient et voulaient encore combattre."
        assert second in ref and words_found(second, inside, "fr") >= 0.8, inside
        assert not missing
    else:
        assert "voisines" in normalize(inside, "fr") and "plupart" not in normalize(inside, "fr")
        # one note, for a stretch after the first sentence (which ends 3 s into the clip; notes show whole
        # seconds)
        (note,) = missing
        a, b = (60 * int(m) + int(s) for m, s in re.findall(r"(\d+):(\d+)", note))
        assert start + 2000 <= a * 1000 and b * 1000 <= end + 1000, (note, spans[1])


def test_check_media_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    srt = tmp_path / "a.en.srt"
    srt.write_text(srt_to_string([Cue(0, 1000, ("Hi.",))]), encoding="utf-8")
    assert main(["check", str(srt), "--media", str(tmp_path / "nope.mp4")]) == 2
    assert "--media" in capsys.readouterr().err


def test_speech_without_subtitle_rule() -> None:
    """Hand-worked: speech 1-3 s (cue 1 overlaps), 5-6.5 s (nothing), 8-8.5 s (too short to report)."""
    cues = [Cue(1500, 2800, ("Hello.",))]
    findings = qc.speech_without_subtitle([(1000, 3000), (5000, 6500), (8000, 8500)], cues)
    assert [(f.code, f.severity, f.start_ms, f.end_ms) for f in findings] == \
        [("speech_without_subtitle", "warning", 5000, 6500)]
    assert findings[0].message == "speech at 00:00:05,000–00:00:06,500 has no subtitle"


def test_a_soft_onset_after_a_pause_keeps_its_first_word(media: Path, tmp_path: Path) -> None:
    # JFK pauses before "ask not"; the VAD finds that onset late. Without a lead-in of the pause before each
    # chunk the window began at "sk" and Whisper wrote "not what your country" (seen after 12 s of music).
    path = tmp_path / "music then jfk.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "sine=f=440:d=12,volume=0.3", "-i", str(media / "audio/en_jfk_whisper.flac"),
                    "-filter_complex",
                    "[0:a]aformat=sample_rates=16000:channel_layouts=mono[m];"
                    "[1:a]aformat=sample_rates=16000:channel_layouts=mono[s];[m][s]concat=n=2:v=0:a=1[out]",
                    "-map", "[out]", str(path)], check=True)
    text = normalize(" ".join(w.text for w in asr.transcribe(path, Options(device="cpu")).words), "en")
    assert "americans ask not what your country" in text, text


def _en_windows(media: Path, tmp_path: Path) -> tuple:
    from pipeline.media import decode_audio

    path = tmp_path / "long_en.wav"
    clips = LONG_FORM["en"]
    build(media, path, [*clips[:-1], (clips[-1][0], 2.0), *clips])  # twice over: three windows
    audio = decode_audio(path)
    s = asr.SETTINGS
    chunks = vad.speech_chunks(audio, s.vad_threshold, s.vad_min_silence_ms, s.vad_pad_ms, s.window_ms - 1000)
    return audio, aw.windows(chunks, s.window_ms, s.window_max_pause_ms)


def _decode(model: object, audio: object, wins: list, streams: int, found: list) -> Iterator:
    from pipeline import asr_batch
    from pipeline.profiles import LANGUAGES

    s = asr.SETTINGS
    d = asr_batch.Decode(None, tuple(LANGUAGES), "transcribe", 5, 0.0, (), None, 1, s.context_margin_ms,
                         s.min_context_ms)
    return asr_batch.decode(model, audio, wins, d, found.append, streams)


def test_windows_decoded_side_by_side_give_the_words_of_one_stream(media: Path, tmp_path: Path) -> None:
    # Batches of 1 window, two streams (a CPU model with two workers of one thread), so the third batch goes
    # to whichever stream is free first: the language is found once, by the stream holding the first window,
    # the other waits for it; every window comes back once, in file order, with exactly the words and times
    # one stream gives it (a transcript does not depend on the number of streams). Three streams on the two
    # workers (what 2 cores run: devices.cpu_streams) queue their model calls for a free worker: the same.
    audio, wins = _en_windows(media, tmp_path)
    assert len(wins) >= 3
    model = asr._load(asr.resolve_model("base").path, "cpu", 0, "int8", 2)
    one: list = []
    two: list = []
    three: list = []
    alone = list(_decode(model, audio, wins, 1, one))
    side_by_side = list(_decode(model, audio, wins, 2, two))
    queued = list(_decode(model, audio, wins, 3, three))
    assert [d.language for d in one] == [d.language for d in two] == [d.language for d in three] == ["en"]
    assert [w for w, _ in side_by_side] == [w for w, _ in queued] == wins
    assert side_by_side == alone
    assert queued == alone


class _FailsOn:
    """The real model, but its feature extractor fails on the window of `samples` samples."""

    def __init__(self, model: object, samples: int) -> None:
        self._model, self._samples = model, samples

    def __getattr__(self, name: str) -> object:
        return getattr(self._model, name)

    def feature_extractor(self, audio: object, *args: object, **kwargs: object) -> object:
        if len(audio) == self._samples:  # type: ignore[arg-type]
            raise RuntimeError("feature extraction failed")
        return self._model.feature_extractor(audio, *args, **kwargs)  # type: ignore[attr-defined]


@pytest.mark.parametrize("streams", [2, 3], ids=["a stream per worker", "one stream more"])
@pytest.mark.parametrize("bad", [0, 1], ids=["stream finding the language", "other stream"])
def test_a_stream_failing_fails_the_decode_at_its_window_without_a_hang(media: Path, tmp_path: Path,
                                                                       bad: int, streams: int) -> None:
    import threading

    from pipeline import asr_batch

    audio, wins = _en_windows(media, tmp_path)
    assert len(wins) >= 2  # batches (0) and (1) go to the two streams at once
    model = _FailsOn(asr._load(asr.resolve_model("base").path, "cpu", 0, "int8", 2),
                     len(asr_batch.window_audio(audio, wins[bad])))
    got: list = []
    raised: list = []

    def run() -> None:
        try:
            for window, _ in _decode(model, audio, wins, streams, []):
                got.append(window)
        except BaseException as exc:  # noqa: BLE001 - the test reads it below
            raised.append(exc)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(120)
    assert not runner.is_alive(), "the decode hung"
    assert [str(e) for e in raised] == ["feature extraction failed"]  # its own error, not the other's
    assert got == wins[:bad]  # the windows before it came back, in order
    for thread in threading.enumerate():  # and no stream is left waiting for a language that never comes
        if thread.name.startswith("whisper-stream"):
            thread.join(60)
            assert not thread.is_alive(), thread.name
