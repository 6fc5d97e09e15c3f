"""Run Argos packages: the package's tokenizer (SentencePiece, or Moses + BPE) and CTranslate2, batched.

Each model is loaded once per process (batch jobs translate in threads); a pivot chain runs one batch per package.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.errors import ModelError
from pipeline.options import Options
from pipeline.packages import Package, unpacked

_LOAD_LOCK = threading.Lock()

BEAM_SIZE = 4  # argostranslate's default
MAX_BATCH = 32


class _SentencePiece:
    def __init__(self, model: Path) -> None:
        import sentencepiece as spm

        self.sp = spm.SentencePieceProcessor(model_file=str(model))

    def encode(self, text: str) -> list[str]:
        return self.sp.encode(text, out_type=str)

    def decode(self, tokens: list[str]) -> str:
        return self.sp.decode(tokens)


class _MosesBPE:
    """Moses tokenisation + subword-nmt BPE codes ("@@ " joins), as argostranslate's BPE packages use."""

    def __init__(self, codes: Path, src: str, tgt: str) -> None:
        try:
            import sacremoses  # type: ignore[import-not-found]
        except ImportError:
            raise ModelError(f"{codes}: this package uses BPE with Moses tokenisation: "
                             "install it with `pip install sacremoses`") from None
        self.tok, self.detok = sacremoses.MosesTokenizer(lang=src), sacremoses.MosesDetokenizer(lang=tgt)
        lines = codes.read_text(encoding="utf-8").splitlines()
        pairs = [tuple(line.split()) for line in lines if line and not line.startswith("#version")]
        self.ranks = {p: i for i, p in enumerate(pairs) if len(p) == 2}

    def _bpe(self, word: str) -> list[str]:
        parts, unknown = [*word[:-1], word[-1] + "</w>"], len(self.ranks)
        while len(parts) > 1:
            pairs = zip(parts, parts[1:], strict=False)
            rank, i = min((self.ranks.get(pair, unknown), i) for i, pair in enumerate(pairs))
            if rank == unknown:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        parts[-1] = parts[-1].removesuffix("</w>")
        parts = [p for p in parts if p]
        return [p + "@@" for p in parts[:-1]] + parts[-1:]

    def encode(self, text: str) -> list[str]:
        return [piece for w in self.tok.tokenize(text, escape=False) for piece in self._bpe(w)]

    def decode(self, tokens: list[str]) -> str:
        return self.detok.detokenize(" ".join(tokens).replace("@@ ", "").removesuffix("@@").split())


@lru_cache(maxsize=8)
def _load(folder: Path, tokenizer: str, src: str, tgt: str, device: str,
          compute_type: str) -> tuple[Any, _SentencePiece | _MosesBPE]:
    import ctranslate2

    try:
        model = ctranslate2.Translator(str(folder / "model"), device=device, compute_type=compute_type)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"{folder}: cannot load the CTranslate2 model ({exc})") from exc
    if tokenizer == "bpe":
        return model, _MosesBPE(folder / "bpe.model", src, tgt)
    return model, _SentencePiece(folder / "sentencepiece.model")


def run_package(package: Package, texts: list[str], opts: Options) -> list[str]:
    """Translate `texts` with one package in one batched CTranslate2 call."""
    if not texts:
        return []
    folder = unpacked(package, opts)
    with _LOAD_LOCK:
        model, tok = _load(folder, package.tokenizer, package.from_code, package.to_code, opts.device,
                           opts.compute_type)
    tokens = [tok.encode(t) for t in texts]
    prefix = [[package.target_prefix] for _ in texts] if package.target_prefix else None
    longest = max(len(t) for t in tokens)
    results = model.translate_batch(tokens, target_prefix=prefix, beam_size=BEAM_SIZE,
                                    max_batch_size=MAX_BATCH, replace_unknowns=True,
                                    max_decoding_length=min(512, 2 * longest + 16))
    out = []
    for r in results:
        hyp = r.hypotheses[0]
        if prefix and hyp[:1] == [package.target_prefix]:
            hyp = hyp[1:]
        out.append(" ".join(tok.decode(hyp).split()))
    return out


def argos_engine(chain: Sequence[Package], texts: list[str], opts: Options) -> list[str]:
    """Through each package of the chain in turn (ar->en->fr for a pivot), one batch per package."""
    for package in chain:
        texts = run_package(package, texts, opts)
    return texts
