"""Tiny but real Argos packages for tests and benchmarks.

Each package is what argostranslate would install: a SentencePiece model trained on a few lines, a
CTranslate2 Transformer (one layer, small dimensions, random weights) saved with its vocabulary, and a
`metadata.json`, zipped as an `.argosmodel`. Its output is meaningless, so tests assert structure only.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import ctranslate2
import numpy as np
import pytest
import sentencepiece as spm
from ctranslate2.specs import model_spec

# No glossary names here: a name in the output can then only come from the glossary's protection.
LINES = [
    "Hello, my name is Omar and I run with my friends every Friday.",
    "We share our trips with the community and post photos online.",
    "People swap things in Beirut, it is simple and free for everyone.",
    "Bonjour, je m'appelle Leila et je partage mes voyages avec vous.",
    "Nous échangeons des objets entre voisins, c'est simple et gratuit.",
    "Ce projet montre le travail des artisans du Maroc sur internet.",
    "مرحبا، اسمي عمر وأركض مع أصدقائي كل يوم جمعة.",
    "نحن نتبادل الأشياء في بيروت، تابعونا على الإنترنت.",
    "الحرفيون في المغرب يعرضون أعمالهم، وهذا مهم جدا للشباب.",
    "Thank you very much, see you next week! Merci beaucoup, à bientôt ! شكرا جزيلا!",
]

D_MODEL, FFN, HEADS = 32, 64, 2


def _train_sentencepiece(lines: Iterable[str], vocab_size: int = 200) -> bytes:
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(lines) * 3), model_writer=buf, vocab_size=vocab_size,
        hard_vocab_limit=False, character_coverage=1.0, model_type="unigram", minloglevel=2,
    )
    return buf.getvalue()


def _shape(name: str, vocab: int) -> tuple[int, ...] | None:
    d = D_MODEL
    parts = name.split("/")
    leaf, owner = parts[-1], "/".join(parts[-3:-1])
    if leaf in ("gamma", "beta"):
        return (d,)
    if leaf != "weight":
        return None
    if parts[-2].startswith("embeddings") or parts[-2] == "projection":
        return (vocab, d)
    table = {
        "self_attention/linear_0": (3 * d, d), "self_attention/linear_1": (d, d),
        "attention/linear_0": (d, d), "attention/linear_1": (2 * d, d), "attention/linear_2": (d, d),
        "ffn/linear_0": (FFN, d), "ffn/linear_1": (d, FFN),
    }
    return table.get(owner)


def _fill_random(spec: model_spec.ModelSpec, vocab: int, rng: np.random.Generator) -> None:
    def fill(layer: model_spec.LayerSpec, name: str, value: object) -> None:
        if value is not None:
            return
        shape = _shape(name, vocab)
        if shape is None:
            raise ValueError(f"tiny model: no shape rule for {name}")
        leaf = name.split("/")[-1]
        if leaf == "gamma":
            arr = np.ones(shape, np.float32)
        elif leaf == "beta":
            arr = np.zeros(shape, np.float32)
        else:
            arr = rng.normal(0.0, 0.3, shape).astype(np.float32)
        setattr(layer, leaf, arr)

    model_spec.visit_spec(spec, fill)


def _save_model(out: Path, vocab: list[str], bias: np.ndarray, seed: int) -> None:
    """A one-layer CTranslate2 Transformer over `vocab` (source and target), random weights."""
    spec = ctranslate2.specs.TransformerSpec.from_config(num_layers=1, num_heads=HEADS)
    rng = np.random.default_rng(seed)
    spec.decoder.projection.bias = bias
    _fill_random(spec, len(vocab), rng)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize()
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))


def build_model_dir(out: Path, sp_model: bytes, seed: int) -> None:
    """A one-layer CTranslate2 Transformer whose vocabulary is the SentencePiece model's pieces."""
    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    # Bias the output towards word-initial pieces and a little towards </s>, so the random decoder
    # writes words of normal length and stops on its own.
    bias = np.zeros(len(vocab), np.float32)
    bias[[i for i, p in enumerate(vocab) if p.startswith("\u2581")]] = 2.0
    bias[sp.eos_id()] = 3.5
    _save_model(out, vocab, bias, seed)


def _fresh_package(root: Path, src: str, tgt: str, version: str) -> Path:
    pkg = root / f"translate-{src}_{tgt}-{version.replace('.', '_')}"
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    return pkg


def _write_metadata(pkg: Path, src: str, tgt: str, version: str) -> None:
    meta = {"package_version": version, "argos_version": "1.9", "from_code": src, "to_code": tgt,
            "from_name": src, "to_name": tgt, "type": "translate", "code": f"translate-{src}_{tgt}",
            "links": [], "dependencies": []}
    (pkg / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")


def build_package_dir(root: Path, src: str, tgt: str, seed: int = 0, version: str = "1.0") -> Path:
    """An unpacked package folder `<root>/translate-<src>_<tgt>-<version>/`."""
    pkg = _fresh_package(root, src, tgt, version)
    sp_model = _train_sentencepiece(LINES)
    (pkg / "sentencepiece.model").write_bytes(sp_model)
    build_model_dir(pkg / "model", sp_model, seed)
    _write_metadata(pkg, src, tgt, version)
    return pkg


# --- BPE packages: Moses tokens (XML-escaped, as argostranslate feeds them) split by subword-nmt codes ----

BPE_MERGES = 150
SPECIALS = ["<unk>", "<s>", "</s>"]


def moses_tokens(lines: Iterable[str] = LINES) -> list[str]:
    """Every line tokenised as each of ar/fr/en would (the tokenisations differ around apostrophes)."""
    from sacremoses import MosesPunctNormalizer, MosesTokenizer

    out = []
    for lang in ("en", "fr", "ar"):
        tok, norm = MosesTokenizer(lang=lang), MosesPunctNormalizer(lang=lang)
        out += [t for line in lines for t in tok.tokenize(norm.normalize(line))]
    return out


def _merge(symbols: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(symbols):
        if symbols[i:i + 2] == pair:
            out.append(pair[0] + pair[1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


def learn_bpe(words: Iterable[str], merges: int = BPE_MERGES) -> list[tuple[str, str]]:
    """subword-nmt's learn_bpe in miniature (version 0.2 codes: the last character carries `</w>`).

    Each step merges the most frequent adjacent pair (ties to the greatest pair, as subword-nmt) and stops
    when no pair occurs twice.
    """
    freq = Counter(words)
    split = {w: (*w[:-1], w[-1] + "</w>") for w in freq}
    codes: list[tuple[str, str]] = []
    for _ in range(merges):
        stats: Counter[tuple[str, str]] = Counter()
        for w, n in freq.items():
            for pair in zip(split[w], split[w][1:], strict=False):
                stats[pair] += n
        if not stats:
            break
        best = max(stats, key=lambda p: (stats[p], p))
        if stats[best] < 2:
            break
        codes.append(best)
        split = {w: _merge(s, best) for w, s in split.items()}
    return codes


def bpe_vocabulary(words: Iterable[str], codes: Iterable[tuple[str, str]]) -> list[str]:
    """The units BPE can emit: every character (word-final or followed by "@@") and every merge's result.

    In version 0.2 codes a merged symbol ending in `</w>` only ends words; any other is followed by "@@".
    """
    chars = sorted({c for w in words for c in w})
    units = [u for c in chars for u in (c, c + "@@")]
    for a, b in codes:
        merged = a + b
        units.append(merged.removesuffix("</w>") if merged.endswith("</w>") else merged + "@@")
    return SPECIALS + [u for u in dict.fromkeys(units) if u not in SPECIALS]


def build_bpe_package_dir(root: Path, src: str, tgt: str, seed: int = 0, version: str = "1.0") -> Path:
    """An unpacked package with `bpe.model` (subword-nmt codes) and a model over the BPE units."""
    pkg = _fresh_package(root, src, tgt, version)
    words = moses_tokens()
    codes = learn_bpe(words)
    text = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in codes)
    (pkg / "bpe.model").write_text(text, encoding="utf-8")
    vocab = bpe_vocabulary(words, codes)
    # As for SentencePiece: word-final units (no "@@") and </s> favoured, so outputs are words that end.
    bias = np.zeros(len(vocab), np.float32)
    bias[[i for i, u in enumerate(vocab) if u not in SPECIALS and not u.endswith("@@")]] = 2.0
    bias[vocab.index("</s>")] = 3.5
    _save_model(pkg / "model", vocab, bias, seed)
    _write_metadata(pkg, src, tgt, version)
    return pkg


def zip_package(pkg: Path, out_dir: Path) -> Path:
    """Zip an unpacked package folder into `<out_dir>/<name>.argosmodel` (one top-level folder)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{pkg.name}.argosmodel"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(pkg.rglob("*")):
            if f.is_file():
                zf.write(f, f"{pkg.name}/{f.relative_to(pkg).as_posix()}")
    return target


def build_argosmodel(out_dir: Path, src: str, tgt: str, seed: int = 0) -> Path:
    """A zipped tiny package `<out_dir>/translate-<src>_<tgt>-1_0.argosmodel`."""
    work = out_dir / ".build"
    pkg = build_package_dir(work, src, tgt, seed)
    archive = zip_package(pkg, out_dir)
    shutil.rmtree(work)
    return archive


# Built once per test process (a few seconds), shared by every test module that imports it.
DIRECT = (("ar", "en"), ("en", "ar"), ("fr", "en"), ("en", "fr"))
_BUILT: dict[str, Path] = {}


def tiny_models() -> Path:
    """A folder with the four index directions: ar->en and en->ar unpacked, fr->en and en->fr zipped."""
    if "dir" not in _BUILT:
        import tempfile

        root = Path(tempfile.mkdtemp(prefix="tiny-argos-"))
        for seed, (src, tgt) in enumerate(DIRECT):
            if src == "ar" or tgt == "ar":
                build_package_dir(root, src, tgt, seed)
            else:
                build_argosmodel(root, src, tgt, seed)
        _BUILT["dir"] = root
    return _BUILT["dir"]


def tiny_bpe_models() -> Path:
    """Moses + BPE en->fr (unpacked) and fr->en (zipped), beside copies of the SentencePiece ar->en and
    en->ar of `tiny_models()`: ar->fr and fr->ar then pivot through one package of each tokenizer."""
    if "bpe" not in _BUILT:
        import tempfile

        root = Path(tempfile.mkdtemp(prefix="tiny-argos-bpe-"))
        build_bpe_package_dir(root, "en", "fr", seed=11)
        work = build_bpe_package_dir(root / ".build", "fr", "en", seed=12)
        zip_package(work, root)
        shutil.rmtree(root / ".build")
        for name in ("translate-ar_en-1_0", "translate-en_ar-1_0"):
            shutil.copytree(tiny_models() / name, root / name)
        _BUILT["bpe"] = root
    return _BUILT["bpe"]


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests away from packages installed on the machine or dropped in the project's models/."""
    from pipeline import packages

    empty = tmp_path / "no-packages"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(empty))
    monkeypatch.setattr(packages, "PROJECT_MODELS", empty)
