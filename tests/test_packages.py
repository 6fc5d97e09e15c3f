"""Finding, routing, preflight and installing Argos packages (tiny real packages, no network)."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest
from argos_fixture import build_argosmodel, build_package_dir, isolate, tiny_models

from pipeline import mt, packages
from pipeline.errors import MissingPackageError, ModelError, UsageError
from pipeline.options import Options

SIX = [("ar", "en"), ("en", "ar"), ("fr", "en"), ("en", "fr"), ("ar", "fr"), ("fr", "ar")]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def models() -> Path:
    return tiny_models()


def _opts(models_dir: Path | None, tmp_path: Path) -> Options:
    return Options(models_dir=models_dir, cache_dir=tmp_path / "cache")


def test_finds_zipped_and_unpacked_packages(models: Path, tmp_path: Path) -> None:
    found = packages.find_packages(_opts(models, tmp_path))
    by_dir = {(p.from_code, p.to_code): p for p in found}
    assert set(by_dir) == {("ar", "en"), ("en", "ar"), ("fr", "en"), ("en", "fr")}
    assert by_dir["fr", "en"].is_zip and by_dir["en", "fr"].is_zip
    assert not by_dir["ar", "en"].is_zip and by_dir["ar", "en"].tokenizer == "sentencepiece"
    assert by_dir["ar", "en"].code == "translate-ar_en"


@pytest.mark.parametrize(("src", "tgt"), SIX)
def test_route_picks_direct_or_pivot_through_english(models: Path, tmp_path: Path, src: str,
                                                      tgt: str) -> None:
    chain = packages.route(src, tgt, packages.find_packages(_opts(models, tmp_path))) or ()
    assert [p.code for p in chain] == (
        [f"translate-{src}_{tgt}"] if "en" in (src, tgt) else [f"translate-{src}_en", f"translate-en_{tgt}"])
    assert chain[0].from_code == src and chain[-1].to_code == tgt


def test_route_missing_leg_gives_none(models: Path, tmp_path: Path) -> None:
    found = [p for p in packages.find_packages(_opts(models, tmp_path)) if p.to_code != "fr"]
    assert packages.route("ar", "fr", found) is None
    assert packages.route("en", "fr", found) is None
    assert packages.route("fr", "ar", found) is not None


def test_direct_package_preferred_over_pivot(models: Path, tmp_path: Path) -> None:
    direct_dir = tmp_path / "direct"
    build_package_dir(direct_dir, "ar", "fr", seed=9)
    found = [*packages.find_packages(_opts(direct_dir, tmp_path)),
             *packages.find_packages(_opts(models, tmp_path))]
    chain = packages.route("ar", "fr", found)
    assert chain is not None and [p.code for p in chain] == ["translate-ar_fr"]


def test_models_dir_searched_before_the_standard_folder(models: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    standard = tmp_path / "standard"
    build_package_dir(standard, "en", "ar", seed=5)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(standard))
    found = packages.find_packages(_opts(models, tmp_path))
    en_ar = [p for p in found if (p.from_code, p.to_code) == ("en", "ar")]
    assert [p.path.parent for p in en_ar] == [models, standard]
    assert packages.route("en", "ar", found)[0].path.parent == models  # type: ignore[index]
    assert len(packages.find_packages(_opts(None, tmp_path))) == 1  # the env folder alone


def test_multilingual_metadata_covers_each_pair(tmp_path: Path) -> None:
    pkg = tmp_path / "multi" / "translate-multi"
    (pkg / "model").mkdir(parents=True)
    (pkg / "model" / "model.bin").write_bytes(b"")
    (pkg / "sentencepiece.model").write_bytes(b"")
    meta = {"code": "translate-multi", "package_version": "2", "from_codes": ["ar", "fr"], "to_codes": ["en"],
            "target_prefix": "__en__"}
    (pkg / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    found = packages.find_packages(_opts(tmp_path / "multi", tmp_path))
    assert {(p.from_code, p.to_code) for p in found} == {("ar", "en"), ("fr", "en")}
    assert all(p.target_prefix == "__en__" for p in found)


def test_broken_package_is_skipped_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "broken.argosmodel").write_bytes(b"not a zip")
    build_package_dir(mixed, "en", "fr", seed=3)
    found = packages.find_packages(_opts(mixed, tmp_path))
    assert [(p.from_code, p.to_code) for p in found] == [("en", "fr")]
    assert "broken.argosmodel" in caplog.text


def test_preflight_explicit_target_missing_raises_with_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(MissingPackageError) as err:
        packages.preflight("ar", ("fr",), _opts(tmp_path / "none", tmp_path))
    assert isinstance(err.value, UsageError)
    message = str(err.value)
    assert "translate-ar_en" in message and "translate-en_fr" in message
    assert "models install ar en" in message and "models install en fr" in message


def test_preflight_default_targets_leave_missing_ones_out(models: Path, tmp_path: Path) -> None:
    only = tmp_path / "only"
    build_package_dir(only, "ar", "en", seed=1)
    routes = packages.preflight("ar", None, _opts(only, tmp_path))
    assert set(routes) == {"en"}
    all_routes = packages.preflight(None, None, _opts(models, tmp_path))
    assert set(all_routes) == {f"{s}->{t}" for s, t in SIX}
    assert [p.code for p in all_routes["fr->ar"]] == ["translate-fr_en", "translate-en_ar"]


def test_preflight_explicit_targets_all_present(models: Path, tmp_path: Path) -> None:
    routes = packages.preflight("fr", ("ar", "en"), _opts(models, tmp_path))
    assert len(routes["ar"]) == 2 and len(routes["en"]) == 1


def test_preflight_unknown_source_needs_one_route_per_explicit_target(tmp_path: Path) -> None:
    only = tmp_path / "only"
    build_package_dir(only, "ar", "en", seed=1)
    routes = packages.preflight(None, ("en",), _opts(only, tmp_path))  # Arabic videos can get English
    assert set(routes) == {"ar->en"}
    with pytest.raises(MissingPackageError, match="fr->ar") as err:  # nothing at all leads to Arabic
        packages.preflight(None, ("en", "ar"), _opts(only, tmp_path))
    assert "->en" not in str(err.value)
    assert "translate-fr_en" in packages.missing_for("fr", "en", _opts(only, tmp_path))


def test_install_file_unpacks_into_models_dir(tmp_path: Path) -> None:
    archive = build_argosmodel(tmp_path / "dl", "fr", "en", seed=2)
    target = tmp_path / "installed"
    installed = packages.install_file(archive, _opts(target, tmp_path))
    assert [(p.from_code, p.to_code) for p in installed] == [("fr", "en")]
    assert (target / archive.stem / "model" / "model.bin").is_file()
    found = packages.find_packages(_opts(target, tmp_path))
    assert len(found) == 1 and not found[0].is_zip


def test_install_file_rejects_a_non_package(tmp_path: Path) -> None:
    bad = tmp_path / "x.argosmodel"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("x/readme.txt", "hello")
    with pytest.raises(ModelError, match="x.argosmodel"):
        packages.install_file(bad, _opts(tmp_path / "out", tmp_path))
    with pytest.raises(UsageError, match="no such file"):
        packages.install_file(tmp_path / "missing.argosmodel", _opts(tmp_path / "out", tmp_path))


def test_install_online_without_argostranslate_says_how(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "argostranslate", None)  # import fails even where it is installed
    with pytest.raises(UsageError) as err:
        packages.install_online("ar", "fr", _opts(tmp_path, tmp_path))
    assert "translate-ar_en" in str(err.value) and "translate-en_fr" in str(err.value)
    assert ".argosmodel" in str(err.value)


def test_zip_unpacked_once_into_the_cache(models: Path, tmp_path: Path) -> None:
    opts = _opts(models, tmp_path)
    zipped = next(p for p in packages.find_packages(opts) if p.is_zip)
    first = packages.unpacked(zipped, opts)
    stamp = (first / "metadata.json").stat().st_mtime_ns
    assert packages.unpacked(zipped, opts) == first
    assert (first / "metadata.json").stat().st_mtime_ns == stamp
    assert first.is_relative_to(tmp_path / "cache")


def test_one_batch_per_package_and_pivot_runs_both(models: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    opts = _opts(models, tmp_path)
    chain = packages.route("ar", "fr", packages.find_packages(opts)) or ()
    assert [p.code for p in chain] == ["translate-ar_en", "translate-en_fr"]
    calls: list[tuple[str, int]] = []
    real = mt.run_package

    def spy(package: packages.Package, texts: list[str], o: Options) -> list[str]:
        calls.append((package.code, len(texts)))
        return real(package, texts, o)

    monkeypatch.setattr(mt, "run_package", spy)
    out = mt.argos_engine(chain, ["مرحبا بكم", "شكرا جزيلا", "نحن في بيروت"], opts)
    assert calls == [("translate-ar_en", 3), ("translate-en_fr", 3)]
    assert len(out) == 3 and all(isinstance(t, str) and t.strip() for t in out)


def test_bpe_package_without_sacremoses_is_a_clear_error(models: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    folder = tmp_path / "bpe" / "translate-en_ar-1_0"
    shutil.copytree(models / "translate-en_ar-1_0", folder)
    (folder / "sentencepiece.model").rename(folder / "bpe.model")
    opts = _opts(tmp_path / "bpe", tmp_path)
    (package,) = packages.find_packages(opts)
    assert package.tokenizer == "bpe"
    monkeypatch.setitem(sys.modules, "sacremoses", None)
    mt._load.cache_clear()
    with pytest.raises(ModelError, match="sacremoses"):
        mt.run_package(package, ["hello"], opts)
