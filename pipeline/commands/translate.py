"""`python -m pipeline translate` (being built: see the open issues)."""

from __future__ import annotations

import argparse

from pipeline.errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def handle(args: argparse.Namespace) -> int:
    raise UsageError("'translate' is not available yet")
