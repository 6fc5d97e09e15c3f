"""Bad options fail before any work: exit 2, one line on stderr, nothing written, no record touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import ModelError
from pipeline.models import resolve_model

ROOT = Path(__file__).resolve().parent.parent


def _gpus() -> int:
    import ctranslate2

    return ctranslate2.get_cuda_device_count()


def _has_model(name: str) -> bool:
    try:
        resolve_model(name)
    except ModelError:
        return False
    return True


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "videos").mkdir()
    shutil.copy(ROOT / "videos" / "sample_ar.mp4", tmp_path / "videos" / "clip.mp4")
    # The record of an earlier run: a bad option must leave it exactly as it is.
    record = tmp_path / "subtitles" / ".pipeline" / "state.jsonl"
    record.parent.mkdir(parents=True)
    record.write_text('{"k": "clip", "v": {"video": "clip.mp4", "stem": "clip", "source": "ar"}}\n')
    return tmp_path


BAD = [
    ["--x264-preset", "ultrafastest"],
    ["--crf", "99"],
    ["--crf", "-1"],
    ["--compute-type", "banana"],
    ["--glossary", "no-such-glossary.csv"],
    ["--models-dir", "no-such-folder"],
    ["--model", "tiny"],
    ["--model", "./no/such/model"],
    ["--device", "cuda"],
]


@pytest.mark.parametrize("bad", BAD, ids=lambda a: " ".join(a))
def test_a_bad_run_option_is_one_line_and_exit_2_before_any_work(folder: Path, bad: list[str],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    if bad == ["--device", "cuda"] and _gpus():
        pytest.skip("this machine has a CUDA GPU")
    if bad == ["--model", "tiny"] and _has_model("tiny"):
        pytest.skip("tiny is in this machine's model cache")
    record = folder / "subtitles" / ".pipeline" / "state.jsonl"
    before = record.read_bytes()
    assert main(["run", "videos", "--no-progress", *bad]) == 2
    err = capsys.readouterr().err.strip()
    assert err and err.count("\n") == 0 and "Traceback" not in err, err
    assert bad[0] in err or bad[1] in err, err
    assert record.read_bytes() == before
    assert sorted(p.name for p in (folder / "subtitles").iterdir()) == [".pipeline"]
    assert main(["status", "videos"]) == 0
    assert "failed" not in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["transcribe", "nofile.mp4"],
    ["transcribe", "videos/clip.mp4", "--compute-type", "banana"],
    ["transcribe", "videos/clip.mp4", "--model", "./no/such/model"],
    ["burn", "videos/clip.mp4", "x.ar.srt", "--crf", "99"],
    ["burn", "videos/clip.mp4", "x.ar.srt", "--x264-preset", "ultrafastest"],
    ["translate", "x.ar.srt", "--to", "en", "--glossary", "none.csv"],
])
def test_other_commands_refuse_bad_options_with_exit_2(folder: Path, argv: list[str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err and err.count("\n") == 0 and "Traceback" not in err, err
    assert not (folder / "subtitles" / "clip.ar.srt").exists()
