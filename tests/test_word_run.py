"""The run with word-by-word captions and style files, on fast fake stages: Whisper's words reach the burn for
the source language only, translations are reported approximate, `.ass` exports are written (and a reviewer's
edit kept), and changing the caption style or the style file re-burns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fake_stages import Fakes

from pipeline import batch
from pipeline.burn import scripts_for
from pipeline.options import Options
from pipeline.types import Burned, Cue, Word


class WordFakes(Fakes):
    """The fake burn, plus the real ASS scripts (`burn.scripts_for`) and the words it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[dict[str, list[Word]] | None] = []

    def burn(self, video: Path, tracks: dict[str, list[Cue]], outputs: dict[str, Path], opts: Options, *,
             on_progress: Any = None, words: dict[str, list[Word]] | None = None,
             names: Any = None) -> Burned:
        super().burn(video, tracks, outputs, opts)
        self.words.append(words)
        return scripts_for(tracks, 640, 360, opts.preset, opts, words)


def _run(tmp_path: Path, fakes: Fakes, **changes: Any) -> list[batch.VideoResult]:
    opts = Options(out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", jobs=1, targets=("fr",), **changes)
    return batch.run_batch([tmp_path / "videos"], opts, stages=fakes.registry())


def test_words_reach_the_burn_and_translations_are_approximate(tmp_path):
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "a.mp4").write_text("one two three")
    fakes = WordFakes()
    [first] = _run(tmp_path, fakes)  # phrase: no words passed, .ass exported all the same
    assert fakes.words == [None]
    out = tmp_path / "out"
    assert "-words," not in (out / "a.ar.ass").read_text(encoding="utf-8")
    assert not any("approximate" in n for lr in first.langs.values() for n in lr.notes)

    [res] = _run(tmp_path, fakes, caption_style="words")  # another look: burned again
    assert fakes.calls["burn"] == 2
    heard = [(w.text, w.start_ms, w.end_ms) for w in fakes.words[-1]["ar"]]
    assert heard == [("one", 0, 400), ("two", 500, 900), ("three", 1000, 1400)]  # the fake's Whisper words
    assert set(fakes.words[-1]) == {"ar"}
    ar_ass = (out / "a.ar.ass").read_text(encoding="utf-8")
    assert "Dialogue: 1,0:00:00.00,0:00:00.40,ar-landscape-words" in ar_ass  # "one" from Whisper's times
    assert any("approximate" in n for n in res.langs["fr"].notes)
    assert not any("approximate" in n for n in res.langs["ar"].notes)

    _run(tmp_path, fakes, caption_style="words")
    assert fakes.calls["burn"] == 2  # nothing changed: up to date

    (out / "a.fr.ass").write_text("reviewer's own", encoding="utf-8")
    style = tmp_path / "campaign.toml"
    style.write_text('text_colour = "#00FF00"\n', encoding="utf-8")
    [res] = _run(tmp_path, fakes, caption_style="words", style=style)  # a style file: burned again
    assert fakes.calls["burn"] == 3
    assert "&H0000FF00" in (out / "a.ar.ass").read_text(encoding="utf-8")
    assert (out / "a.fr.ass").read_text(encoding="utf-8") == "reviewer's own"
    assert any("a.fr.ass edited by hand" in n for n in res.langs["fr"].notes)
