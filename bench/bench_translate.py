"""Translation: one batched `translate_batch` over a video's sentences against one call per cue.

Both run the same package in one process, model already loaded, same sentences. The package is the tiny
test package (one layer, random weights, built here): the ratio shows what batching saves in call and
decoding overhead, not the absolute speed of a real ar/fr/en model.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.common import ROOT, best_of

SENTENCES = 96
REPEATS = 2


def _sentences() -> list[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from argos_fixture import LINES

    words = " ".join(LINES).split()
    # Varied lengths (4..15 words), as cues of a testimonial video are.
    return [" ".join(words[(i * 7) % len(words):][: 4 + i % 12]) for i in range(SENTENCES)]


def main(workdir: Path) -> str:
    sys.path.insert(0, str(ROOT / "tests"))
    from argos_fixture import build_package_dir

    from pipeline import mt, packages
    from pipeline.options import Options

    workdir.mkdir(parents=True, exist_ok=True)
    build_package_dir(workdir, "en", "fr", seed=3)
    opts = Options(models_dir=workdir, cache_dir=workdir / "cache", device="cpu")
    package = packages.route("en", "fr", packages.find_packages(opts))[0]  # type: ignore[index]
    texts = _sentences()
    mt.run_package(package, texts[:2], opts)  # load the model outside the timings

    batched = best_of(lambda: mt.run_package(package, texts, opts), REPEATS)
    per_cue = best_of(lambda: [mt.run_package(package, [t], opts) for t in texts], REPEATS)
    rows = [
        "| candidate | sentences | seconds (best of 2) | sentences/s |",
        "|---|---:|---:|---:|",
        f"| one call per cue | {len(texts)} | {per_cue:.2f} | {len(texts) / per_cue:.0f} |",
        f"| one batched call (ours) | {len(texts)} | {batched:.2f} | {len(texts) / batched:.0f} |",
    ]
    return ("Tiny test package (1 layer, d=32, random weights), CPU, beam 4: a ratio, "
            "not real-model speed.\n\n"
            + "\n".join(rows) + f"\n\n**Batched / per cue: {per_cue / batched:.1f}x sentences per second.**")
