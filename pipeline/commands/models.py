"""`python -m pipeline models [list]` and `models install FROM TO | FILE.argosmodel`: translation packages."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import packages
from pipeline.commands.common import _lang, options_from_args
from pipeline.errors import UsageError
from pipeline.options import Options

INDEX_CODES = ("translate-ar_en", "translate-en_ar", "translate-fr_en", "translate-en_fr")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--models-dir", type=Path, default=None,
                   help="extra folder of Argos packages (searched first; `install` puts packages there)")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.add_parser("list", help="installed packages and the six directions: direct, pivot or missing")
    inst = sub.add_parser("install", help="install FROM TO (or `all` the missing ones) from the Argos index "
                                          "(needs argostranslate and internet), or a local FILE.argosmodel")
    inst.add_argument("what", nargs="+", metavar="FROM TO | all | FILE",
                      help="e.g. `ar en`, `all`, or translate-ar_en-1_9.argosmodel")


def _list(opts: Options) -> int:
    found = packages.find_packages(opts)
    print("Searched: " + ", ".join(str(d) for d in packages.search_dirs(opts)))
    if found:
        print("Installed packages:")
        for p in found:
            print(f"  {p.code} {p.version}  {p.from_code}->{p.to_code}  {p.path}")
    else:
        print("Installed packages: none")
    print("Directions:")
    for src, tgt, kind, used in packages.directions_table(found):
        detail = f"needs {used}" if kind == "missing" else used
        print(f"  {src}->{tgt}  {kind:<7}  {detail}")
    if any(kind == "missing" for *_, kind, _ in packages.directions_table(found)):
        print("Install: python -m pipeline models install FROM TO (online), "
              f"or models install FILE.argosmodel; the Argos index has {', '.join(INDEX_CODES)}")
    return 0


def _pair(code: str) -> tuple[str, str]:
    src, tgt = code.removeprefix("translate-").split("_")
    return src, tgt


def _install(opts: Options, what: list[str]) -> int:
    if len(what) == 1 and what[0].endswith(".argosmodel"):
        installed = packages.install_file(Path(what[0]), opts)
    elif what == ["all"]:
        found = packages.find_packages(opts)
        missing = [c for c in INDEX_CODES if not any(p.code == c for p in found)]
        installed = [p for c in missing for p in packages.install_online(*_pair(c), opts)]
        if not missing:
            print("all of " + ", ".join(INDEX_CODES) + " are installed")
    elif len(what) == 2:
        try:
            src, tgt = (_lang(w) for w in what)
        except argparse.ArgumentTypeError as exc:
            raise UsageError(str(exc)) from None
        if src == tgt:
            raise UsageError(f"FROM and TO are both {src!r}")
        installed = packages.install_online(src, tgt, opts)
    else:
        raise UsageError("expected `models install FROM TO` (e.g. ar en), `models install all` "
                         "or `models install FILE.argosmodel`")
    for p in installed:
        print(f"installed {p.code} {p.version} ({p.from_code}->{p.to_code}) in {p.path}")
    return 0


def handle(args: argparse.Namespace) -> int:
    opts = options_from_args(args)
    if args.action == "install":
        return _install(opts, args.what)
    return _list(opts)
