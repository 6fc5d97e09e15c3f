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


def build_model_dir(out: Path, sp_model: bytes, seed: int) -> None:
    """A one-layer CTranslate2 Transformer whose vocabulary is the SentencePiece model's pieces."""
    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    spec = ctranslate2.specs.TransformerSpec.from_config(num_layers=1, num_heads=HEADS)
    rng = np.random.default_rng(seed)
    # Bias the output towards word-initial pieces and a little towards </s>, so the random decoder
    # writes words of normal length and stops on its own.
    bias = np.zeros(len(vocab), np.float32)
    bias[[i for i, p in enumerate(vocab) if p.startswith("\u2581")]] = 2.0
    bias[sp.eos_id()] = 3.5
    spec.decoder.projection.bias = bias
    _fill_random(spec, len(vocab), rng)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize()
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))


def build_package_dir(root: Path, src: str, tgt: str, seed: int = 0, version: str = "1.0") -> Path:
    """An unpacked package folder `<root>/translate-<src>_<tgt>-<version>/`."""
    name = f"translate-{src}_{tgt}-{version.replace('.', '_')}"
    pkg = root / name
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    sp_model = _train_sentencepiece(LINES)
    (pkg / "sentencepiece.model").write_bytes(sp_model)
    build_model_dir(pkg / "model", sp_model, seed)
    meta = {"package_version": version, "argos_version": "1.9", "from_code": src, "to_code": tgt,
            "from_name": src, "to_name": tgt, "type": "translate", "code": f"translate-{src}_{tgt}",
            "links": [], "dependencies": []}
    (pkg / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
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


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests away from packages installed on the machine or dropped in the project's models/."""
    from pipeline import packages

    empty = tmp_path / "no-packages"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(empty))
    monkeypatch.setattr(packages, "PROJECT_MODELS", empty)
