"""Whisper model resolution: the embedded model joined once and verified, the offline HF cache, folders."""

from __future__ import annotations

import os
from pathlib import Path

import ctranslate2
import pytest

from pipeline import models
from pipeline.asr import resolve_device
from pipeline.cache import file_sha256
from pipeline.errors import ModelError, UsageError
from pipeline.options import Options


def test_embedded_model_is_joined_once_and_verified() -> None:
    folder = Path(models.resolve_model("base").path)
    model = folder / "model.bin"
    assert model.stat().st_size == models.EMBEDDED_SIZE
    assert file_sha256(model) == models.EMBEDDED_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (folder / name).is_file()
    assert folder.is_relative_to(Path(os.environ["PIPELINE_CACHE_DIR"]))
    before = model.stat().st_mtime_ns
    assert models.resolve_model("base").path == str(folder)
    assert model.stat().st_mtime_ns == before  # reused, not joined again


def test_damaged_embedded_model_is_joined_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path))
    folder = Path(models.resolve_model("base").path)
    model = folder / "model.bin"
    with open(model, "r+b") as f:  # same size, one byte changed: only the hash can tell
        f.seek(1000)
        f.write(bytes([f.read(1)[0] ^ 0xFF]))
    os.utime(model, ns=(1, 1))
    models.resolve_model("base")
    assert file_sha256(model) == models.EMBEDDED_SHA256
    assert not list(folder.glob("*.part"))  # nothing half-written left behind


def test_size_name_not_in_the_offline_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ModelError, match=r"'small' is not in the Hugging Face cache.*--model FOLDER"):
        models.resolve_model("small")


def test_size_name_found_in_the_offline_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    snapshot = tmp_path / "models--Systran--faster-whisper-small" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        (snapshot / name).write_text("x")
    (tmp_path / "models--Systran--faster-whisper-small" / "refs").mkdir()
    (tmp_path / "models--Systran--faster-whisper-small" / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    resolved = models.resolve_model("small")
    assert Path(resolved.path) == snapshot
    assert resolved.identity == "hf:small:0123abcd"


def test_unknown_name_lists_what_is_accepted() -> None:
    with pytest.raises(ModelError, match="unknown Whisper model 'nonesuch'.*large-v3"):
        models.resolve_model("nonesuch")


def test_folder_must_hold_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="missing model.bin, config.json"):
        models.resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match="does not exist"):
        models.resolve_model(str(tmp_path / "absent"))
    (tmp_path / "model.bin").write_bytes(b"x")
    (tmp_path / "config.json").write_text("{}")
    assert models.resolve_model(str(tmp_path)).path == str(tmp_path.resolve())


def test_device_and_compute_type() -> None:
    assert resolve_device(Options(device="cpu")) == ("cpu", "int8")
    assert resolve_device(Options(device="cpu", compute_type="float32")) == ("cpu", "float32")
    with pytest.raises(UsageError, match="--compute-type nonsense"):
        resolve_device(Options(device="cpu", compute_type="nonsense"))
    if ctranslate2.get_cuda_device_count() == 0:
        assert resolve_device(Options()) == ("cpu", "int8")
        with pytest.raises(UsageError, match="no CUDA GPU"):
            resolve_device(Options(device="cuda"))
    else:
        assert resolve_device(Options()) == ("cuda", "float16")
