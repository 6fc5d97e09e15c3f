"""Run every `bench/bench_*.py` (or those named: `python -m bench asr burn`) and print their reports.

Each module has `main(workdir: Path) -> str` returning a small Markdown report; the reports are also
written to bench/out/report.md.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    reports = []
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        started = time.perf_counter()
        print(f"## {name}", flush=True)
        report = module.main(out / name)
        print(report, flush=True)
        print(f"_({name}: {time.perf_counter() - started:.0f} s)_\n", flush=True)
        reports.append(f"## {name}\n{report}\n")
    (out / "report.md").write_text("\n".join(reports), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
