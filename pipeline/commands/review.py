"""`python -m pipeline review [PATH ...]`: a local page to correct subtitles beside the video.

Serves the videos `run` would take (same defaults, same `-o`) on 127.0.0.1 unless --host says otherwise; the
printed URL carries a per-server token that every request must show.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import webbrowser
from pathlib import Path

from pipeline.commands import common
from pipeline.errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, default=[Path("videos")], metavar="PATH",
                   help="video files or folders (default: videos/)")
    p.add_argument("-o", "--out-dir", type=Path, default=Path("subtitles"))
    p.add_argument("--port", type=int, default=8765, help="port to listen on (0 = any free port)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--no-browser", dest="browser", action="store_false", help="print the URL, open nothing")
    p.add_argument("--cache-dir", type=Path, default=None)
    common.add_subtitle_args(p)
    common.add_burn_args(p)


def handle(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from pipeline.server.app import create_app
        from pipeline.server.library import Library
    except ImportError as exc:
        raise UsageError(f"the review page needs its extra: .venv/bin/pip install -e '.[review]' "
                         f"({exc})") from None
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}")
    opts = common.options_from_args(args)
    library = Library(args.paths, opts)
    if not library.videos:
        raise UsageError("no video to review (links out of their folder are not served)")
    token = secrets.token_urlsafe(24)
    config = uvicorn.Config(create_app(library, token), host=args.host, port=args.port, log_level="warning")
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            threading.Event().wait(0.05)
        port = server.servers[0].sockets[0].getsockname()[1] if server.servers else args.port
        host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
        url = f"http://{host}:{port}/?token={token}"
        print(f"review page: {url}  ({len(library.videos)} video(s); Ctrl-C stops)", flush=True)
        if args.browser:
            webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run()
    except SystemExit:  # uvicorn exits when it cannot bind; say it our way, once
        server.should_exit = True
    if not server.started:
        print(f"error: could not listen on {args.host}:{args.port} (in use? try --port 0)", file=sys.stderr)
        return 1
    return 0
