"""Orchestration with fast fake stages: caching, isolation, reviewer edits, --force, --burn-only, names.

The real stages are exercised in test_kill_resume.py and test_run_cli.py.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline import batch, subtitles
from pipeline.cache import atomic_write_text, key_of
from pipeline.errors import BurnError, MediaError, TranslationError, UsageError
from pipeline.media import MediaInfo
from pipeline.options import Options
from pipeline.types import Cue, Transcript, Word


@dataclass(frozen=True)
class FakeTranslation:
    cues: tuple[Cue, ...]
    sentences: tuple[str, ...]
    translated: int


@dataclass(frozen=True)
class Finding:
    severity: str


class Fakes:
    """Stages over text files: a file's words are its 'speech'; 'corrupt' in it makes probe fail."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.translated: list[str] = []
        self.burned: list[dict[str, Any]] = []
        self.fail_translate: set[str] = set()
        self.fail_burn: set[str] = set()

    def registry(self) -> dict[str, Any]:
        return {"probe": self.probe, "transcribe": self.transcribe, "segment": self.segment,
                "preflight": self.preflight, "translate": self.translate, "qc": self.qc, "burn": self.burn,
                "load_glossary": lambda path: None, "prompt": lambda g, lang: None}

    def probe(self, path: Path) -> MediaInfo:
        text = path.read_text()
        if "corrupt" in text:
            raise MediaError(f"{path}: not a readable media file (Invalid data)")
        return MediaInfo(path, 3000, has_audio="silent-picture" not in text, has_video=True, width=640, height=360)

    def transcribe(self, path: Path, opts: Options, cache: Any, on_progress: Any = None,
                   prompt: str | None = None) -> tuple[Transcript, bool]:
        key = key_of("fake-asr", path.read_text(), opts.model)
        hit = cache.get("fake-asr", key)
        if hit is not None and not opts.force:
            return Transcript.from_json(hit), True
        self.calls["transcribe"] += 1
        words = tuple(Word(w, i * 500, i * 500 + 400) for i, w in enumerate(path.read_text().split()))
        if on_progress:
            on_progress(3000, 3000)
        t = Transcript("ar", words, 3000)
        cache.put("fake-asr", key, t.to_json())
        return t, False

    def segment(self, words: list[Word], profile: Any) -> list[Cue]:
        return [Cue(w.start_ms, w.end_ms, (w.text,)) for w in words]

    def preflight(self, src: str | None, targets: Any, opts: Options) -> dict[str, tuple]:
        return {t: () for t in (targets or ("ar", "fr", "en")) if t != src}

    def translate(self, cues: list[Cue], src: str, tgt: str, opts: Options, cache: Any) -> FakeTranslation:
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
        return FakeTranslation(tuple(out), tuple(c.text for c in cues), new)

    def qc(self, cues: list[Cue], profile: Any) -> list[Finding]:
        return [Finding("warning")] if len(cues) > 3 else []

    def burn(self, video: Path, tracks: dict[str, list[Cue]], outputs: dict[str, Path], opts: Options,
             preset: str | None = None) -> None:
        if set(tracks) & self.fail_burn:
            raise BurnError(f"{video}: font missing for {sorted(set(tracks) & self.fail_burn)}")
        self.calls["burn"] += 1
        self.burned.append({lang: [c.text for c in cues] for lang, cues in tracks.items()})
        for lang, cues in tracks.items():
            atomic_write_text(outputs[lang], json.dumps([c.text for c in cues], ensure_ascii=False))


def _parse_srt(path: Path, lenient: bool = True) -> list[Cue]:
    """Stand-in reader for these unit tests when subtitles.load_srt is not there."""
    cues = []
    for block in re.split(r"\n\s*\n", Path(path).read_text(encoding="utf-8-sig").strip()):
        lines = block.splitlines()
        m = re.match(r"(\d+):(\d+):(\d+),(\d+) --> (\d+):(\d+):(\d+),(\d+)", lines[1])
        assert m, f"{path}: bad block {block!r}"
        n = [int(x) for x in m.groups()]
        cues.append(Cue(((n[0] * 60 + n[1]) * 60 + n[2]) * 1000 + n[3], ((n[4] * 60 + n[5]) * 60 + n[6]) * 1000
                        + n[7], tuple(lines[2:])))
    return cues


@pytest.fixture(autouse=True)
def _reader(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(subtitles, "load_srt"):
        monkeypatch.setattr(subtitles, "load_srt", _parse_srt, raising=False)
    if not hasattr(subtitles, "vtt_to_string"):
        monkeypatch.setattr(subtitles, "vtt_to_string", lambda cues: "WEBVTT\n", raising=False)


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
    assert fakes.calls == Counter(transcribe=2, burn=2)  # one graph for all three languages of a video
    assert _parse_srt(out / "a.fr.srt")[0].lines == ("fr:one",)

    again = env["run"]()
    assert fakes.calls == Counter(transcribe=2, burn=2)
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
    state = json.loads((env["out"] / ".pipeline" / "state.json").read_text())
    assert "not a readable" in state["videos"]["bad"]["error"]
    assert state["videos"]["a"]["running"] is None


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
    assert _parse_srt(fr)[1].lines == ("fr:TWO (fixed)",)
    assert r.langs["en"].stages["translate"] == "reviewer's"
    assert any("needs a look" in n for n in r.langs["en"].notes)
    assert fakes.burned == [{"ar": ["one", "TWO (fixed)", "three"], "fr": ["fr:one", "fr:TWO (fixed)", "fr:three"],
                             "en": ["en: reviewer's own words", "en:two", "en:three"]}]
    assert json.loads((out / "a.ar.mp4").read_text())[1] == "TWO (fixed)"

    fakes.burned.clear()
    r = env["run"](env["videos"] / "a.mp4")[0]
    assert fakes.burned == [] and fakes.translated == ["TWO (fixed)"]
    assert not any("needs a look" in n for n in r.langs["en"].notes)  # reported once


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
    stems = batch.output_stems(names)
    assert len({s.casefold() for s in stems.values()}) == len(names)
    assert stems[tmp_path / "a" / "clip.mp4"] == "clip"
    assert stems[tmp_path / 'قال "نعم": 1.mp4'] == 'قال "نعم": 1'
    long = stems[tmp_path / ("ع" * 150 + ".mp4")]
    assert len(long.encode()) <= batch.MAX_STEM_BYTES and long.startswith("ع" * 80)
    assert batch.safe_stem(b"caf\xe9".decode("utf-8", "surrogateescape")).startswith("caf_-")
