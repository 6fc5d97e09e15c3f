"""probe/decode_audio on real and deliberately broken media (generated with ffmpeg in a temp folder)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import MediaError
from pipeline.media import SAMPLE_RATE, decode_audio, probe


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory, media: Path) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad media")
    files = {"empty": d / "empty.mp4", "text": d / "notes.mp4", "silent_video": d / "no audio.mp4",
             "truncated": d / "truncated.mp4", "missing": d / "missing.mp4"}
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not a video\n" * 20)
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=1", "-c:v", "libx264",
            "-preset", "ultrafast", str(files["silent_video"]))
    good = d / "good.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=2", "-i",
            str(media / "audio/en_sr_english.wav"), "-shortest", "-c:v", "libx264", "-preset", "ultrafast",
            "-c:a", "aac", str(good))
    data = good.read_bytes()
    files["truncated"].write_bytes(data[: len(data) // 2])  # moov atom (at the end) lost
    return files


@pytest.mark.parametrize("kind, cause", [
    ("empty", "empty file"), ("text", "not a readable media file"), ("silent_video", "no audio track"),
    ("truncated", "not a readable media file"), ("missing", "no such file"),
])
def test_bad_input_gives_one_line_naming_the_file(bad: dict[str, Path], kind: str, cause: str) -> None:
    with pytest.raises(MediaError) as err:
        decode_audio(bad[kind])
    message = str(err.value)
    assert str(bad[kind]) in message
    assert cause in message
    assert "\n" not in message


def test_decodes_audio_only_file_to_16k_mono_float(media: Path) -> None:
    path = media / "audio/en_jfk_whisper.flac"
    audio = decode_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) / SAMPLE_RATE * 1000 - probe(path).duration_ms) < 50
    assert 0.05 < float(np.abs(audio).max()) < 1.5  # resampling may overshoot full scale a little


def test_decodes_the_audio_of_a_video(media: Path) -> None:
    path = media / "video/en_grid_bbaf2n.mpg"
    info = probe(path)
    assert info.has_video and info.has_audio and (info.width, info.height) == (360, 288)
    audio = decode_audio(path, info)
    assert abs(len(audio) / SAMPLE_RATE * 1000 - info.duration_ms) < 100


@pytest.mark.parametrize("name", ["with spaces.wav", "it's \"quoted\".wav", "a:b.wav", "شهادة أحمد.wav",
                                  "-dash.wav"])
def test_awkward_names(media: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    shutil.copy(media / "audio/en_sr_english.wav", tmp_path / name)
    monkeypatch.chdir(tmp_path)  # relative names are the hard case for ffmpeg ("a:" reads as a protocol)
    expected = decode_audio(media / "audio/en_sr_english.wav")
    assert np.array_equal(decode_audio(Path(name)), expected)


@pytest.mark.parametrize("ext", ["mp4", "mkv"])
def test_the_audio_tracks_own_length_is_read(tmp_path: Path, ext: str) -> None:
    # 6 s of picture, 3 s of sound: MP4 says each stream's duration, Matroska only in a DURATION tag
    path = tmp_path / f"sound ends early.{ext}"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=6", "-f", "lavfi", "-i",
            "sine=frequency=440:duration=3", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
            str(path))
    info = probe(path)
    assert abs(info.duration_ms - 6000) <= 100
    assert abs(info.audio_duration_ms - 3000) <= 100
