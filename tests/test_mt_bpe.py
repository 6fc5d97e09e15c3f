"""Argos packages with Moses + BPE codes (`bpe.model`): the codes' semantics (subword-nmt's apply_bpe, as
argostranslate applies them), the tokenizer's round trip, and tiny real BPE packages run end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from argos_fixture import LINES, isolate, tiny_bpe_models
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import mt, packages
from pipeline.errors import ModelError
from pipeline.options import Options

CODES = Path("bpe.model")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def models() -> Path:
    return tiny_bpe_models()


def _opts(models_dir: Path, tmp_path: Path) -> Options:
    return Options(models_dir=models_dir, cache_dir=tmp_path / "cache")


def _vocabulary(package_dir: Path) -> set[str]:
    return set(json.loads((package_dir / "model" / "shared_vocabulary.json").read_text(encoding="utf-8")))


# --- the codes file ------------------------------------------------------------------------------------

def test_merges_follow_the_codes_ranks() -> None:
    ranks, version = mt.read_bpe_codes("#version: 0.2\nl o\nlo w</w>\ne r</w>\nlo w\n", CODES)
    assert version == (0, 2)
    assert mt.bpe_segment("low", ranks, version) == ["low"]
    assert mt.bpe_segment("lower", ranks, version) == ["low@@", "er"]
    assert mt.bpe_segment("x", ranks, version) == ["x"]


def test_codes_without_header_are_version_0_1_where_end_of_word_is_a_symbol() -> None:
    text = "l o\nlo w\n"
    v01 = mt.read_bpe_codes(text, CODES)
    v02 = mt.read_bpe_codes("#version: 0.2\n" + text, CODES)
    assert v01[1] == (0, 1)
    # 0.1: "low" is l o w </w>, and (lo, w) applies; 0.2: the last symbol is "w</w>", so it does not.
    assert mt.bpe_segment("low", *v01) == ["low"]
    assert mt.bpe_segment("low", *v02) == ["lo@@", "w"]
    ranks, version = mt.read_bpe_codes("l o\nlo w\nlow </w>\n", CODES)
    assert mt.bpe_segment("lowlow", ranks, version) == ["low@@", "low"]


def test_a_pair_listed_twice_keeps_its_first_rank() -> None:
    # (b, c</w>) ranks before (a, b): "abc" becomes a + bc. Ranked by its later copy it would be ab + c.
    ranks, version = mt.read_bpe_codes("#version: 0.2\nb c</w>\na b\nb c</w>\n", CODES)
    assert mt.bpe_segment("abc", ranks, version) == ["a@@", "bc"]


@pytest.mark.parametrize(("text", "where"), [
    ("#version: 0.2\na b\nabc\n", "bpe.model:3"),
    ("a b\na b c\n", "bpe.model:2"),
    ("#version: 0.3\na b\n", "bpe.model:1"),
])
def test_malformed_codes_name_the_file_and_line(text: str, where: str) -> None:
    with pytest.raises(ModelError, match=re.escape(where)):
        mt.read_bpe_codes(text, CODES)


# --- the tokenizer -------------------------------------------------------------------------------------

def _tokenizer(models: Path, lang: str) -> mt._MosesBPE:
    return mt._MosesBPE(models / "translate-en_fr-1_0" / "bpe.model", lang, lang)


# Training lines by language (the last one mixes all three; it counts as English for Moses).
BY_LANG = {"en": LINES[0:3] + LINES[9:], "fr": LINES[3:6], "ar": LINES[6:9]}
WORDS = {lang: sorted({w for line in lines for w in re.findall(r"[^\W\d_]+", line)})
         for lang, lines in BY_LANG.items()}


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(sorted(WORDS)).flatmap(
    lambda lang: st.tuples(st.just(lang), st.lists(st.sampled_from(WORDS[lang]), min_size=1, max_size=12),
                           st.sampled_from(["", ".", " !"] if lang == "fr" else ["", ".", "!"]))))
def test_round_trip_is_lossless_on_training_words(models: Path, case: tuple[str, list[str], str]) -> None:
    lang, words, end = case
    text = " ".join(words) + end
    tok = _tokenizer(models, lang)
    units = tok.encode(text)
    assert set(units) <= _vocabulary(models / "translate-en_fr-1_0")  # nothing becomes <unk>
    assert " ".join(units).replace("@@ ", "").split() == tok.tok.tokenize(tok.norm.normalize(text))
    assert tok.decode(units) == text


def test_moses_escaping_and_unescaping_as_argostranslate(models: Path) -> None:
    tok = _tokenizer(models, "en")
    text = 'Tom & Jerry\'s "friends" swap things'
    units = tok.encode(text)
    joined = " ".join(units).replace("@@ ", "")
    assert "&amp;" in joined and "&apos;s" in joined and "&quot;" in joined  # the training data's form
    assert tok.decode(units) == text
    assert tok.decode(["fri@@", "end@@"]) == "friend"  # a dangling "@@" on the last unit is dropped


# --- tiny real BPE packages ----------------------------------------------------------------------------

def test_bpe_packages_are_found_with_their_tokenizer(models: Path, tmp_path: Path) -> None:
    found = {(p.from_code, p.to_code): p for p in packages.find_packages(_opts(models, tmp_path))}
    assert found["en", "fr"].tokenizer == "bpe" and not found["en", "fr"].is_zip
    assert found["fr", "en"].tokenizer == "bpe" and found["fr", "en"].is_zip
    assert found["ar", "en"].tokenizer == "sentencepiece"


@pytest.mark.parametrize(("src", "tgt", "texts"), [
    ("en", "fr", ["Hello, my name is Omar.", "We share our trips with the community!", "Thank you very much.",
                  "People swap things in Beirut, it's simple and free.", "ZXQ0 and ZXQ1 on ZXQ2"]),
    ("fr", "en", ["Bonjour, je m'appelle Leila.", "Nous échangeons des objets entre voisins.", "Merci !"]),
])
def test_run_package_translates_a_batch_through_bpe(models: Path, tmp_path: Path, src: str, tgt: str,
                                                    texts: list[str]) -> None:
    opts = _opts(models, tmp_path)
    (package,) = [p for p in packages.find_packages(opts) if (p.from_code, p.to_code) == (src, tgt)]
    out = mt.run_package(package, texts, opts)
    assert len(out) == len(texts)
    assert all(isinstance(t, str) and t.strip() for t in out)
    assert not any("@@" in t for t in out)
    assert mt.run_package(package, [], opts) == []
