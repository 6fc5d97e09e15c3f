"""The command line: `main(argv) -> int`. Each subcommand lives in `pipeline/commands/<name>.py`.

Exit codes: 0 all good, 1 something failed (the rest still ran), 2 misuse.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import NoReturn

from pipeline import __version__
from pipeline.errors import PipelineError, UsageError

# name -> one-line help; the module pipeline.commands.<name> provides add_arguments(parser) and handle(args).
COMMANDS: dict[str, str] = {
    "run": "transcribe, segment, translate and burn every video given (default: videos/)",
    "transcribe": "transcribe one media file to an SRT in the language spoken",
    "check": "check SRT files against the subtitle style guide (QC)",
    "translate": "translate an SRT file, keeping its timing",
    "models": "list or install translation packages; show the Whisper model in use",
    "burn": "burn SRT subtitles into a video",
    "status": "show what is done, stale or failed, without running anything",
    "review": "serve a local page to correct subtitles beside the video (needs the [review] extra)",
}


class _Parser(argparse.ArgumentParser):
    """argparse with misuse reported as one line (the usage block only with --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# What a default of None (or a flag) means, where "none" would not say it.
_DEFAULT_WORDS = {
    "cache_dir": "$PIPELINE_CACHE_DIR or ~/.cache/campaign-captions", "jobs": "fit the machine",
    "models_dir": "only the packages installed", "profile_overrides": "the preset's limits",
    "targets": "ar, fr, en except the source", "source": "detect", "glossary": "the shipped one",
    "output": "beside the input / in subtitles/", "out": "subtitles/", "lang": "from the file names",
}


def _say_defaults(parser: argparse.ArgumentParser) -> None:
    """Every option's help ends with its default, unless it already names it."""
    for action in parser._actions:
        if not action.option_strings or action.default is argparse.SUPPRESS or action.required:
            continue
        text = action.help or ""
        if "default" in text:
            continue
        if isinstance(action, argparse._StoreFalseAction):
            shown = f"{action.dest.replace('_', ' ')} on"  # --no-burn: burning is on unless given
        elif isinstance(action, argparse._StoreTrueAction):
            shown = "off"
        elif action.dest in _DEFAULT_WORDS and action.default in (None, []):
            shown = _DEFAULT_WORDS[action.dest]
        else:
            shown = "none" if action.default in (None, []) else str(action.default)
        action.help = f"{text} (default: {shown.replace('%', '%%')})".strip()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m pipeline",
                     description="Caption and localise videos offline: Whisper, ar/fr/en translation, "
                                 "burned-in subtitles.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"pipeline.commands.{name}")
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
        # -v/-q after the subcommand too ("run videos -v"); SUPPRESS keeps the top-level value when absent.
        p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                       help="more log output (-vv for debug)")
        p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only errors")
        p.set_defaults(handler=module.handle)
        _say_defaults(p)
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or misuse (2)
        return int(exc.code or 0)
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # out folder under a file, permission denied, disk full: one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        logging.getLogger(__name__).debug("details", exc_info=exc)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    code = main()
    if code == 130:
        # Ctrl-C: worker threads may still be inside a model call, and tearing the interpreter down under
        # native code can crash (exit 139 instead of 130). Everything is recorded and printed: leave now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
