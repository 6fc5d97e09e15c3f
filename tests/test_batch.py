"""Orchestration with fast fake stages: caching, isolation, reviewer edits, --force, --burn-only, names.

The real stages are exercised in test_kill_resume.py and test_run_cli.py.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fake_stages import Fakes

from pipeline import batch, naming, report
from pipeline.errors import UsageError
from pipeline.options import Options
from pipeline.subtitles import load_srt
from pipeline.types import Cue


@pytest.fixture
def env(tmp_path: Path) -> dict[str, Any]:
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "a.mp4").write_text("one two three")
    (videos / "b.mp4").write_text("four five")
    fakes = Fakes()
    opts = Options(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", jobs=2, targets=("fr", "en"))

    def run(*paths: Path, opts: Options = opts, **kw: Any) -> list[batch.VideoResult]:
        return batch.run_batch(paths or (videos,), opts, stages=fakes.registry(), **kw)

    return {"videos": videos, "out": opts.out_dir, "fakes": fakes, "opts": opts, "run": run}


def test_first_run_writes_everything_and_rerun_recomputes_nothing(env: dict[str, Any]) -> None:
    out, fakes = env["out"], env["fakes"]
    results = env["run"]()
    assert [r.failed for r in results] == [False, False]
    for stem in ("a", "b"):
        for lang in ("ar", "fr", "en"):
            assert (out / f"{stem}.{lang}.srt").is_file()
            assert (out / f"{stem}.{lang}.mp4").is_file()
    assert (out / "social" / "a.fr_FR.srt").is_file()
    assert fakes.calls == Counter(probe=2, transcribe=2, burn=2)  # one graph for all languages of a video
    assert load_srt(out / "a.fr.srt")[0].lines == ("fr:one",)

    again = env["run"]()
    assert fakes.calls == Counter(probe=2, transcribe=2, burn=2)  # the probe is remembered too
    (env["videos"] / "b.mp4").write_text("four five six")
    env["run"]()
    assert fakes.calls == Counter(probe=3, transcribe=3, burn=3)
    a = again[0]
    assert a.stages["transcribe"] == "cached"
    assert {lr.lang: lr.stages for lr in a.langs.values()}["fr"] == {
        "translate": "cached", "write": "unchanged", "burn": "up to date"}
    assert a.langs["ar"].qc == "ok" and a.langs["ar"].cues == 3


def test_bad_video_does_not_stop_the_others(env: dict[str, Any]) -> None:
    (env["videos"] / "bad.mp4").write_text("corrupt")
    (env["videos"] / "mute.mp4").write_text("silent-picture words")
    results = {Path(r.video).name: r for r in env["run"]()}
    assert not results["a.mp4"].failed and not results["b.mp4"].failed
    assert "not a readable media file" in results["bad.mp4"].error
    assert "no audio track" in results["mute.mp4"].error
    state = report.read_record(env["out"])
    assert "not a readable" in state["bad"]["error"]
    assert state["a"]["running"] is None


def test_one_failing_language_keeps_the_others(env: dict[str, Any]) -> None:
    env["fakes"].fail_translate.add("fr")
    r = env["run"](env["videos"] / "a.mp4")[0]
    assert "model failed to load" in r.langs["fr"].error
    assert r.langs["en"].error is None and (env["out"] / "a.en.mp4").is_file()
    assert not (env["out"] / "a.fr.srt").exists() and not (env["out"] / "a.fr.mp4").exists()
    assert r.failed


def test_failing_burn_graph_is_split_per_language(env: dict[str, Any]) -> None:
    env["fakes"].fail_burn.add("en")
    r = env["run"](env["videos"] / "a.mp4")[0]
    assert "font missing" in r.langs["en"].error
    assert r.langs["ar"].stages["burn"] == "done" and r.langs["fr"].stages["burn"] == "done"
    assert not (env["out"] / "a.en.mp4").exists()


def test_reviewer_edits_flow_downstream_and_are_never_overwritten(env: dict[str, Any]) -> None:
    out, fakes = env["out"], env["fakes"]
    env["run"](env["videos"] / "a.mp4")
    src, fr, en = out / "a.ar.srt", out / "a.fr.srt", out / "a.en.srt"
    edited_src = src.read_bytes().replace(b"two", b"TWO (fixed)")
    src.write_bytes(edited_src)
    edited_en = en.read_bytes().replace(b"en:one", b"en: reviewer's own words")
    en.write_bytes(edited_en)
    fakes.translated.clear()
    fakes.burned.clear()

    r = env["run"](env["videos"] / "a.mp4")[0]
    assert src.read_bytes() == edited_src and en.read_bytes() == edited_en
    assert fakes.translated == ["TWO (fixed)"]  # fr: only the changed cue; en: the reviewer's is kept
    assert load_srt(fr)[1].lines == ("fr:TWO (fixed)",)
    assert r.langs["en"].stages["translate"] == "reviewer's"
    assert any("needs a look" in n for n in r.langs["en"].notes)
    assert fakes.burned == [{"ar": ["one", "TWO (fixed)", "three"],
                             "fr": ["fr:one", "fr:TWO (fixed)", "fr:three"],
                             "en": ["en: reviewer's own words", "en:two", "en:three"]}]
    assert json.loads((out / "a.ar.mp4").read_text())[1] == "TWO (fixed)"

    fakes.burned.clear()
    r = env["run"](env["videos"] / "a.mp4")[0]
    assert fakes.burned == [] and fakes.translated == ["TWO (fixed)"]
    assert any("needs a look" in n for n in r.langs["en"].notes)  # until the reviewer touches en again
    en.write_bytes(edited_en.replace(b"en:two", b"en: TWO (fixed)"))
    r = env["run"](env["videos"] / "a.mp4")[0]
    assert not any("needs a look" in n for n in r.langs["en"].notes)
    assert not any("needs a look" in n for n in env["run"](env["videos"] / "a.mp4")[0].langs["en"].notes)
    src.write_bytes(edited_src.replace(b"three", b"3"))  # a new source edit flags it again
    assert any("needs a look" in n for n in env["run"](env["videos"] / "a.mp4")[0].langs["en"].notes)


def test_force_redoes_our_work_but_keeps_reviewer_files(env: dict[str, Any]) -> None:
    out, fakes = env["out"], env["fakes"]
    env["run"](env["videos"] / "a.mp4")
    (out / "a.fr.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nà la main\n", encoding="utf-8")
    forced = Options(**{**env["opts"].__dict__, "force": True})
    r = env["run"](env["videos"] / "a.mp4", opts=forced)[0]
    assert fakes.calls["transcribe"] == 2 and fakes.calls["burn"] == 2
    assert (out / "a.fr.srt").read_text(encoding="utf-8").endswith("à la main\n")
    assert r.langs["fr"].stages["write"] == "kept"


def test_burn_only_rerenders_edited_subtitles_without_transcribing(env: dict[str, Any]) -> None:
    out, fakes = env["out"], env["fakes"]
    env["run"]()
    (out / "b.fr.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\ncorrigé\n", encoding="utf-8")
    (env["videos"] / "new.mp4").write_text("never transcribed")
    fakes.burned.clear()
    results = {r.stem: r for r in env["run"](burn_only=True)}
    assert fakes.calls["transcribe"] == 2
    assert fakes.burned == [{"fr": ["corrigé"]}]
    assert results["a"].langs["fr"].stages["burn"] == "up to date"
    assert any("no subtitles yet" in n for n in results["new"].notes)


def test_requested_target_without_package_stops_before_transcription(env: dict[str, Any]) -> None:
    fakes = env["fakes"]

    def preflight(src: str | None, targets: Any, opts: Options) -> dict[str, tuple]:
        raise UsageError("no package for ar->fr")

    registry = {**fakes.registry(), "preflight": preflight}
    with pytest.raises(UsageError, match="ar->fr"):
        batch.run_batch([env["videos"]], env["opts"], stages=registry)
    assert fakes.calls["transcribe"] == 0


def test_requested_target_unreachable_from_the_detected_language_fails_that_language_alone(
        env: dict[str, Any]) -> None:
    fakes = env["fakes"]
    registry = {**fakes.registry(), "preflight": lambda src, targets, opts: {"en": ()},
                "missing_message":
                    lambda src, tgt, opts: f"no translation package for {src}->{tgt}: install X"}
    results = batch.run_batch([env["videos"] / "a.mp4"], env["opts"], stages=registry)
    langs = results[0].langs
    assert "ar->fr: install X" in langs["fr"].error
    assert langs["en"].error is None and (env["out"] / "a.en.srt").is_file()
    assert (env["out"] / "a.ar.srt").is_file() and not (env["out"] / "a.fr.srt").exists()


def test_stale_part_files_are_removed_and_the_folder_is_locked(env: dict[str, Any]) -> None:
    out = env["out"]
    out.mkdir()
    part = out / ".a.ar.abc123.mp4.part"
    part.write_bytes(b"half an encode")
    env["run"](env["videos"] / "a.mp4")
    assert not part.exists()
    with batch._out_dir_lock(out), pytest.raises(UsageError, match="another run"):
        env["run"](env["videos"] / "a.mp4")


def test_discover_skips_hidden_and_outputs_and_rejects_missing(tmp_path: Path) -> None:
    (tmp_path / "v" / "sub").mkdir(parents=True)
    for name in ("x.mp4", "sub/y.MOV", ".hidden.mp4", "notes.txt"):
        (tmp_path / "v" / name).write_text("x")
    (tmp_path / "v" / "out").mkdir()
    (tmp_path / "v" / "out" / "x.ar.mp4").write_text("burned")
    found = batch.discover([tmp_path / "v"], tmp_path / "v" / "out")
    assert [p.name for p in found] == ["y.MOV", "x.mp4"]
    with pytest.raises(UsageError, match="no such file"):
        batch.discover([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no media"):
        batch.discover([tmp_path / "empty"])


def test_stems_are_unique_and_keep_odd_names(tmp_path: Path) -> None:
    names = [tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4", tmp_path / "b" / "Clip.mov",
             tmp_path / 'قال "نعم": 1.mp4', tmp_path / ("ع" * 150 + ".mp4")]
    stems = naming.output_stems(names)
    assert len({s.casefold() for s in stems.values()}) == len(names)
    assert stems[tmp_path / "a" / "clip.mp4"] == "clip"
    assert stems[tmp_path / 'قال "نعم": 1.mp4'] == 'قال "نعم": 1'
    long = stems[tmp_path / ("ع" * 150 + ".mp4")]
    assert len(long.encode()) <= naming.MAX_STEM_BYTES and long.startswith("ع" * 80)
    assert naming.safe_stem(b"caf\xe9".decode("utf-8", "surrogateescape")).startswith("caf_-")


def test_unreadable_reviewer_source_fails_that_video_only_and_is_left_alone(env: dict[str, Any]) -> None:
    out = env["out"]
    env["run"]()
    bad = b"1\n00:00:xx,000 --> 00:00:01,000\nhello\n"
    (out / "a.ar.srt").write_bytes(bad)
    results = {r.stem: r for r in env["run"]()}
    assert "a.ar.srt:2" in results["a"].error and "timecode" in results["a"].error
    assert (out / "a.ar.srt").read_bytes() == bad
    assert not results["b"].failed


def test_unreadable_reviewer_translation_fails_that_language_only(env: dict[str, Any]) -> None:
    out, fakes = env["out"], env["fakes"]
    env["run"](env["videos"] / "a.mp4")
    (out / "a.en.srt").write_text("not a subtitle file\n", encoding="utf-8")
    (out / "a.ar.srt").write_bytes((out / "a.ar.srt").read_bytes().replace(b"one", b"uno"))
    fakes.burned.clear()
    r = env["run"](env["videos"] / "a.mp4")[0]
    assert "a.en.srt:1" in r.langs["en"].error
    assert set(fakes.burned[0]) == {"ar", "fr"} and r.langs["en"].stages.get("burn") is None


def test_legacy_encoded_reviewer_file_is_read_and_kept(env: dict[str, Any]) -> None:
    out, fakes = env["out"], env["fakes"]
    env["run"](env["videos"] / "a.mp4")
    legacy = "1\r\n00:00:00,000 --> 00:00:01,000\r\nمرحبا\r\n".encode("cp1256")
    (out / "a.ar.srt").write_bytes(legacy)
    fakes.burned.clear()
    r = env["run"](env["videos"] / "a.mp4")[0]
    assert (out / "a.ar.srt").read_bytes() == legacy
    assert r.langs["ar"].stages["write"] == "reviewer's" and not r.failed
    assert fakes.burned[0]["fr"] == ["fr:مرحبا"]


def test_whisper_translator_gives_english_only(env: dict[str, Any]) -> None:
    seen: list[tuple[str, str]] = []

    def whisper_translate(path: Path, opts: Options, tgt: str = "en", *, cache: Any = None,
                          glossary: Any = None) -> list:
        seen.append((path.name, tgt))
        return [Cue(0, 900, ("spoken english",))]

    registry = {**env["fakes"].registry(), "whisper_translate": whisper_translate}
    opts = Options(**{**env["opts"].__dict__, "targets": None, "translator": "whisper"})
    r = batch.run_batch([env["videos"] / "a.mp4"], opts, stages=registry)[0]
    assert seen == [("a.mp4", "en")] and set(r.langs) == {"ar", "en"}
    assert load_srt(env["out"] / "a.en.srt")[0].lines == ("spoken english",)
    with pytest.raises(UsageError, match="English only"):
        batch.run_batch([env["videos"]], Options(**{**opts.__dict__, "targets": ("fr",)}), stages=registry)



def test_stems_stay_with_their_video_across_runs(env: dict[str, Any]) -> None:
    out, videos = env["out"], env["videos"]
    for folder in ("x", "y"):
        (videos / folder).mkdir()
        (videos / folder / "clip.mp4").write_text(f"words from {folder}")
    (videos / "x" / "clip.mov").write_text("words from the mov")
    full = {Path(r.video): r.stem for r in env["run"]()}
    x, y, mov = (videos / "x" / "clip.mp4").resolve(), (videos / "y" / "clip.mp4").resolve(), \
        (videos / "x" / "clip.mov").resolve()
    assert len({full[x], full[y], full[mov]}) == 3
    x_files = {p.name: p.read_bytes() for p in out.glob(f"{full[x]}.*")}
    for alone in (y, mov):
        r = env["run"](alone)[0]
        assert r.stem == full[alone] and not r.failed
    assert {p.name: p.read_bytes() for p in out.glob(f"{full[x]}.*")} == x_files
    assert {Path(r.video): r.stem for r in env["run"]()} == {**full}
    # a new namesake never takes a stem recorded for another video, even if that video is not in this run
    (videos / "z").mkdir()
    (videos / "z" / "clip.mp4").write_text("words from z")
    r = env["run"](videos / "z" / "clip.mp4")[0]
    assert r.stem not in full.values() and r.stem.startswith("clip-")


def test_run_record_saves_while_other_threads_change_their_results(tmp_path: Path) -> None:
    import sys
    import threading

    from pipeline.report import RunState, VideoResult

    state = RunState(tmp_path)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        r = VideoResult(video=f"v{i}.mp4", stem=f"v{i}")
        try:
            for j in range(100):
                for k in range(50):  # changed outside any lock, as each stage does to its own result
                    r.stages[f"step{j}.{k}"] = "done"
                state.save(r)
        except BaseException as exc:  # noqa: BLE001 - the race shows as any exception here
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []
    saved = report.read_record(tmp_path)
    assert sorted(saved) == ["v0", "v1", "v2", "v3"] and all(len(v["stages"]) == 5000 for v in saved.values())


def test_file_system_errors_are_one_line_causes(env: dict[str, Any],
                                                caplog: pytest.LogCaptureFixture) -> None:
    out = env["out"]
    (out / "a.fr.srt").mkdir(parents=True)  # something in the way of an output file
    fakes = env["fakes"]

    def segment(words: list, profile: Any) -> list:
        if words[0].text == "four":  # b.mp4
            raise PermissionError(13, "Permission denied", str(out / "b.ar.srt"))
        return fakes.segment(words, profile)

    registry = {**fakes.registry(), "segment": segment}
    with caplog.at_level("WARNING"):
        results = {r.stem: r for r in batch.run_batch([env["videos"]], env["opts"], stages=registry)}
    assert results["b"].error == f"{out / 'b.ar.srt'}: Permission denied"
    fr_error = results["a"].langs["fr"].error or results["a"].error
    assert "a.fr.srt" in fr_error and "internal error" not in fr_error and "\n" not in fr_error
    assert not any(rec.exc_info for rec in caplog.records if rec.levelname == "WARNING")


def test_a_cached_transcript_is_found_outside_the_whisper_lock_with_the_known_hash(
        env: dict[str, Any]) -> None:
    fakes = env["fakes"]
    env["run"]()
    assert fakes.entered == 2
    fakes.media_hashes.clear()
    env["run"]()
    assert fakes.entered == 2  # nothing changed: the Whisper step (and lock) is not entered
    state = report.read_record(env["out"])
    assert sorted(fakes.media_hashes) == sorted(v["input"]["sha256"] for v in state.values())


def test_no_speech_srt_filled_in_by_a_reviewer_is_a_note_not_a_failure(env: dict[str, Any]) -> None:
    out, videos = env["out"], env["videos"]
    (videos / "quiet.mp4").write_text("")
    r = env["run"](videos / "quiet.mp4")[0]
    assert not r.failed and (out / "quiet.und.srt").is_file() and load_srt(out / "quiet.und.srt") == []
    (out / "quiet.und.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nمرحبا\n", encoding="utf-8")
    for _ in range(2):
        r = env["run"](videos / "quiet.mp4")[0]
        assert not r.failed, (r.error, {lr.lang: lr.error for lr in r.langs.values()})
        assert any("quiet.und.srt: language unknown: rename it to quiet.<lang>.srt" in n for n in r.notes)
    assert (out / "quiet.und.srt").read_text(encoding="utf-8").endswith("مرحبا\n")
    opts = Options(**{**env["opts"].__dict__, "source": "fr", "targets": ()})
    (videos / "silent.mp4").write_text("")
    r = env["run"](videos / "silent.mp4", opts=opts)[0]
    assert not r.failed and (out / "silent.fr.srt").is_file() and not (out / "silent.und.srt").exists()


def test_a_new_burn_version_burns_again(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import steps

    fakes = env["fakes"]
    env["run"](env["videos"] / "a.mp4")
    env["run"](env["videos"] / "a.mp4")
    assert fakes.calls["burn"] == 1
    monkeypatch.setattr(steps, "BURN_VERSION", steps.BURN_VERSION + 1)  # e.g. a fix to the ASS writer
    r = env["run"](env["videos"] / "a.mp4")[0]
    assert fakes.calls["burn"] == 2 and r.langs["fr"].stages["burn"] == "done"


def test_a_translation_that_cannot_follow_an_edited_source_is_set_aside_and_said(env: dict[str, Any]) -> None:
    out, fakes = env["out"], env["fakes"]
    opts = Options(out_dir=out, cache_dir=env["opts"].cache_dir, jobs=1)  # every language the packages allow
    env["run"](opts=opts)
    assert (out / "a.fr.srt").is_file() and (out / "social" / "a.fr_FR.srt").is_file()
    (out / "a.ar.srt").write_text("1\n00:00:00,000 --> 00:00:01,400\nواحد اثنان معدل\n", encoding="utf-8")
    only_en = {**fakes.registry(), "preflight": lambda src, targets, o: {"en": ()}}  # the fr package is gone
    for _ in range(2):  # every run says so, not only the first
        [a, _b] = batch.run_batch([env["videos"]], opts, stages=only_en)
        notes = " ".join(a.langs["fr"].notes)
        assert "no current translation" in notes and "stale/a.fr.srt" in notes, a.langs["fr"]
        for name in ("a.fr.srt", "a.fr.vtt", "a.fr.mp4", "social/a.fr_FR.srt"):
            assert not (out / name).exists(), name
        assert {p.name for p in (out / "stale").iterdir()} == {"a.fr.srt", "a.fr.vtt", "a.fr.mp4",
                                                               "a.fr_FR.srt"}
        assert (out / "b.fr.srt").is_file()  # b's source did not change: its translation is current
        assert "معدل" in " ".join(c.text for c in load_srt(out / "a.en.srt"))  # en was remade from the edit


def test_whisper_english_from_speech_says_it_does_not_follow_an_edited_source(env: dict[str, Any]) -> None:
    out = env["out"]
    opts = Options(out_dir=out, cache_dir=env["opts"].cache_dir, jobs=1, translator="whisper",
                   targets=("en",))

    def whisper_translate(path: Path, opts: Options, tgt: str = "en", *, cache: Any = None,
                          glossary: Any = None) -> list:
        return [Cue(0, 900, ("spoken english",))]

    registry = {**env["fakes"].registry(), "whisper_translate": whisper_translate}
    [a, _b] = batch.run_batch([env["videos"]], opts, stages=registry)
    assert not a.langs["en"].notes
    (out / "a.ar.srt").write_text("1\n00:00:00,000 --> 00:00:01,400\nنص معدل\n", encoding="utf-8")
    [a, _b] = batch.run_batch([env["videos"]], opts, stages=registry)
    assert any("does not follow the edits in a.ar.srt" in n for n in a.langs["en"].notes), a.langs["en"]


def test_a_forced_language_is_remembered_for_that_video(env: dict[str, Any]) -> None:
    out, videos = env["out"], env["videos"]
    seen: list[tuple[str, str | None]] = []
    fakes = env["fakes"]

    def transcribe(path: Path, opts: Options, cache: Any, **kw: Any) -> tuple[Any, bool]:
        seen.append((path.name, opts.source))
        return fakes.transcribe(path, opts, cache, **kw)

    registry = {**fakes.registry(), "transcribe": transcribe, "cached_transcript": lambda *a, **k: None}
    opts = Options(out_dir=out, cache_dir=env["opts"].cache_dir, jobs=1, targets=(), burn=False)
    batch.run_batch([videos / "a.mp4"], dataclasses.replace(opts, source="en"), stages=registry)
    batch.run_batch([videos], opts, stages=registry)  # the whole folder, no --source
    assert seen == [("a.mp4", "en"), ("a.mp4", "en"), ("b.mp4", None)]
    assert report.read_record(out)["a"]["forced_source"] == "en"
    batch.run_batch([videos], dataclasses.replace(opts, burn=True), stages=registry, burn_only=True)
    assert report.read_record(out)["a"]["forced_source"] == "en"  # a burn-only run keeps it too
    seen.clear()
    batch.run_batch([videos], dataclasses.replace(opts, source="auto"), stages=registry)  # detect again
    batch.run_batch([videos], opts, stages=registry)
    assert seen == [("a.mp4", None), ("b.mp4", None), ("a.mp4", None), ("b.mp4", None)]


def test_a_renamed_und_srt_is_the_source_of_a_normal_run(env: dict[str, Any]) -> None:
    out, videos, fakes = env["out"], env["videos"], env["fakes"]
    (videos / "c.mp4").write_text("")  # music only: no speech heard
    opts = Options(out_dir=out, cache_dir=env["opts"].cache_dir, jobs=1)
    results = {r.stem: r for r in env["run"](videos / "c.mp4", opts=opts)}
    assert (out / "c.und.srt").is_file() and not (out / "c.en.srt").exists()
    # The reviewer writes the words and renames the file, as the note says.
    (out / "c.und.srt").rename(out / "c.en.srt")
    (out / "c.en.srt").write_text("1\n00:00:00,500 --> 00:00:02,000\nWelcome to the market\n",
                                  encoding="utf-8")
    results = {r.stem: r for r in env["run"](videos / "c.mp4", opts=opts)}
    c = results["c"]
    assert c.source == "en" and not c.failed, c
    assert load_srt(out / "c.fr.srt")[0].lines == ("fr:Welcome to the market",)
    assert (out / "c.en.mp4").is_file() and (out / "c.ar.mp4").is_file()
    assert not (out / "c.und.srt").exists()
    assert fakes.burned[-1]["en"] == ["Welcome to the market"]
