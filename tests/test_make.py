"""`make` passes any file name through as one argument (quotes, spaces, parentheses), and `make help` lists
the targets. The recipe's command is run with PY replaced by a script that prints its arguments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# no $: make's own
NAMES = ["Sarah's testimonial (final).mp4", "my videos", 'say "hi" & bye; `x`.mp4', "plain"]


def _make(tmp_path: Path, *args: str) -> list[str]:
    echo = tmp_path / "argv.py"
    echo.write_text("import json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    # -o: the set-up targets (apt, venv) count as done; only the recipe under test runs.
    proc = subprocess.run(["make", "-s", "-o", "system-deps", "-o", ".venv/.installed", *args,
                           f"PY={sys.executable} {echo}"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", NAMES)
def test_make_subtitles_and_status_take_any_name_as_one_argument(tmp_path: Path, name: str) -> None:
    assert _make(tmp_path, "subtitles", f"VIDEOS={name}", "LANG_SRC=fr") == [
        "-m", "pipeline", "run", name, "--source", "fr"]
    assert _make(tmp_path, "burn", f"VIDEOS={name}")[3:] == [name, "--burn-only"]
    assert _make(tmp_path, "status", f"VIDEOS={name}") == ["-m", "pipeline", "status", name]
