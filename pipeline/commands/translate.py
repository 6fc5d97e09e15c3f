"""`python -m pipeline translate IN.srt --to fr [-o OUT.srt]`: a corrected SRT, translated on its timing."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import packages, review
from pipeline.cache import Cache, file_sha256
from pipeline.commands.common import (
    _lang,
    _override,
    add_encoding_arg,
    existing_dir,
    existing_file,
    options_from_args,
)
from pipeline.errors import PipelineError, UsageError
from pipeline.naming import split_name, srt_path
from pipeline.profiles import LANGUAGES, PRESETS
from pipeline.subtitles import load_srt, save_srt, srt_to_string
from pipeline.translate import translate_cues


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=Path, help="source subtitles, best named NAME.<lang>.srt (e.g. clip.ar.srt)")
    p.add_argument("--to", dest="target", type=_lang, required=True, help="target language (ar, fr, en)")
    p.add_argument("--from", dest="source", type=_lang, default=None,
                   help="source language (default: from the file name, NAME.<lang>.srt)")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="default: NAME.<target>.srt beside the input")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    add_encoding_arg(p)
    g = p.add_argument_group("subtitles")
    # An SRT has no frame size to pick a layout from ("auto" elsewhere): the limits are named, landscape by
    # default.
    g.add_argument("--preset", choices=list(PRESETS), default="landscape",
                   help="line layout limits of the translation (default: landscape; an SRT has no frame "
                        "size, so there is no 'auto')")
    g.add_argument("--set", dest="profile_overrides", type=_override, action="append", default=[],
                   metavar="NAME=NUMBER",
                   help="override a profile limit, e.g. --set max_cps=15 --set max_chars=37")
    g = p.add_argument_group("translation")
    g.add_argument("--models-dir", type=existing_dir, default=None, help="extra folder of Argos packages")
    g.add_argument("--glossary", type=existing_file, default=None,
                   help="campaign glossary CSV (default: the shipped one)")
    g.add_argument("--cache-dir", type=Path, default=None)


def handle(args: argparse.Namespace) -> int:
    base, named = split_name(args.input)
    src = args.source or named
    if src is None:
        raise UsageError(f"{args.input}: cannot tell its language: name it "
                         f"{base}.<{'|'.join(LANGUAGES)}>.srt or pass --from")
    if src == args.target:
        raise UsageError(f"{args.input}: source and target are both {src!r}")
    out = args.output or srt_path(args.input.parent, base, args.target)
    if out.resolve() == args.input.resolve():
        raise UsageError(f"{out}: the output would replace the input")
    managed = review.has_manifest(out.parent)  # a run's output folder: its manifest decides, not --force
    if managed and review.Manifest(out.parent).state(out).reviewer_owned:
        raise UsageError(f"{out}: edited by a reviewer, left as it is (even with --force): -o elsewhere")
    if out.exists() and not args.force and not managed:
        raise UsageError(f"{out} exists (perhaps a reviewer's edit): pass --force to replace it, "
                         "or -o elsewhere")
    opts = options_from_args(args)
    packages.preflight(src, (args.target,), opts)  # no package: exit 2 before reading anything else
    cues = load_srt(args.input, encoding=args.encoding)
    result = translate_cues(cues, src, args.target, opts, Cache(opts.cache_dir))
    if managed:
        text = srt_to_string(result.cues)
        if review.write_output(out, text, lang=args.target, from_srt=file_sha256(args.input)).kept:
            raise PipelineError(f"{out}: a reviewer saved it meanwhile; left as it is")
    else:
        save_srt(out, result.cues)
    print(f"{out}: {len(result.cues)} cues from {len(cues)} ({result.sentences} sentences, "
          f"{result.translated} sent to the model)")
    return 0
