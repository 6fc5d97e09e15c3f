"""Run Argos packages: the package's tokenizer (SentencePiece, or Moses + BPE) and CTranslate2, batched.

Each model is loaded once per process (batch jobs translate in threads); a pivot chain runs one batch
per package.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import devices
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


Ranks = dict[tuple[str, str], int]
_CODES_VERSIONS = {"0.1": (0, 1), "0.2": (0, 2)}


def read_bpe_codes(text: str, source: Path) -> tuple[Ranks, tuple[int, int]]:
    """subword-nmt codes: an optional `#version: 0.2` first line, then one merge `A B` a line, best first.

    Without the header the codes are version 0.1 (`</w>` is a symbol of its own). A pair listed twice keeps
    its first rank, as subword-nmt does.
    """
    lines = text.split("\n")
    version: tuple[int, int] | None = (0, 1)
    first = 1
    if lines[0].startswith("#version:"):
        declared = (lines[0].split() or [""])[-1]
        version = _CODES_VERSIONS.get(re.sub(r"(\.0+)*$", "", declared))
        if version is None:
            raise ModelError(f"{source}:1: BPE codes version {declared!r} unsupported (expected 0.1 or 0.2)")
        lines, first = lines[1:], 2
    ranks: Ranks = {}
    for n, line in enumerate(lines, start=first):
        pair = line.strip("\r\n ").split(" ")
        if pair == [""]:  # blank lines (the file's last newline) carry nothing
            continue
        if len(pair) != 2:
            raise ModelError(f"{source}:{n}: expected two subword units separated by one space, got {line!r}")
        ranks.setdefault((pair[0], pair[1]), n)
    return ranks, version


def bpe_segment(word: str, ranks: Ranks, version: tuple[int, int]) -> list[str]:
    """One token split by the codes as subword-nmt's apply_bpe does; "@@" ends every unit but the last.

    The best-ranked pair present is merged everywhere in the word, then again, until no listed pair is left.
    """
    symbols = [*word, "</w>"] if version == (0, 1) else [*word[:-1], word[-1] + "</w>"]
    while len(symbols) > 1:
        best = min(zip(symbols, symbols[1:], strict=False), key=lambda pair: ranks.get(pair, math.inf))
        if best not in ranks:
            break
        symbols = _merge_pair(symbols, best)
    last = symbols[-1].removesuffix("</w>")
    units = [*symbols[:-1], last] if last else symbols[:-1]
    return [u + "@@" for u in units[:-1]] + units[-1:]


def _merge_pair(symbols: list[str], pair: tuple[str, str]) -> list[str]:
    """Left to right, each non-overlapping occurrence of `pair` becomes one symbol."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


class _MosesBPE:
    """Moses punctuation normalising and tokenising, then subword-nmt BPE codes ("@@ " joins units).

    As argostranslate's BPETokenizer: tokens are XML-escaped (`&apos;`, `&quot;`...) like the training data,
    and the detokeniser unescapes them.
    """

    def __init__(self, codes: Path, src: str, tgt: str) -> None:
        try:
            import sacremoses  # type: ignore[import-not-found]
        except ImportError:
            raise ModelError(f"{codes}: this package uses BPE with Moses tokenisation: "
                             "install it with `pip install sacremoses`") from None
        self.norm = sacremoses.MosesPunctNormalizer(lang=src)
        self.tok, self.detok = sacremoses.MosesTokenizer(lang=src), sacremoses.MosesDetokenizer(lang=tgt)
        try:
            text = codes.read_text(encoding="utf-8-sig")  # a BOM would hide the version line
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(f"{codes}: cannot read the BPE codes ({exc})") from exc
        self.ranks, self.version = read_bpe_codes(text, codes)
        self._cache: dict[str, list[str]] = {}

    def _units(self, word: str) -> list[str]:
        if word not in self._cache:
            self._cache[word] = bpe_segment(word, self.ranks, self.version)
        return self._cache[word]

    def encode(self, text: str) -> list[str]:
        tokens = self.tok.tokenize(self.norm.normalize(text))
        return [unit for word in tokens if word for unit in self._units(word)]

    def decode(self, tokens: list[str]) -> str:
        # A dangling "@@" on the last unit (argostranslate would keep it) is dropped.
        return self.detok.detokenize(" ".join(tokens).replace("@@ ", "").removesuffix("@@").split())


@lru_cache(maxsize=8)
def _load(folder: Path, tokenizer: str, src: str, tgt: str, device: str, index: int,
          compute_type: str) -> tuple[Any, _SentencePiece | _MosesBPE]:
    import ctranslate2

    try:
        model = ctranslate2.Translator(str(folder / "model"), device=device, device_index=index,
                                       compute_type=compute_type)
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
    device, index = devices.translation_device(opts.device)  # the same choice as Whisper's
    with _LOAD_LOCK:
        model, tok = _load(folder, package.tokenizer, package.from_code, package.to_code, device, index,
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
