"""The review page's ASGI app: a per-server token on every request, refused paths, a body limit, JSON errors.

The HTTP API (documented in README.md, "Review page") is a thin shell over `library.Library`.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.server.burns import Burns
from pipeline.server.errors import BadRequest, NotFound, RequestError, TooLarge
from pipeline.server.library import Library

STATIC = Path(__file__).with_name("static")
TOKEN_COOKIE = "review_token_{port}"  # cookies ignore ports: two servers on one host must not share one
TOKEN_HEADER = "x-review-token"
MAX_BODY = 4 * 1024 * 1024  # a two-hour film's SRT is under 300 kB
# Encoded slashes, backslashes, dots and NULs, `..` segments and empty segments: no file is ever named by a
# path here, but such a request is an attack or a bug, and says so.
_BAD_PATH = re.compile(rb"%(2f|5c|2e|00)|(^|/)\.\.?(/|$)|//|\\", re.IGNORECASE)


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def cookie_name(request: Request) -> str:
    return TOKEN_COOKIE.format(port=request.url.port or 80)


class Guard:
    """Refuses bad paths and requests without the token, before any route runs."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        if _BAD_PATH.search(raw):
            await _error(400, f"refused path {raw.decode('latin-1')!r}: encoded slashes, '..' and empty "
                              "segments are not allowed")(scope, receive, send)
            return
        request = Request(scope)
        offered = (request.headers.get(TOKEN_HEADER) or request.cookies.get(cookie_name(request))
                   or (request.query_params.get("token") if scope["path"] == "/" else None) or "")
        if not hmac.compare_digest(offered.encode(), self.token.encode()):
            await _error(403, "missing or wrong review token: open the URL that `review` printed")(
                scope, receive, send)
            return
        await self.app(scope, receive, send)


async def read_json(request: Request, limit: int = MAX_BODY) -> Any:
    """The request's JSON body; 413 over `limit` bytes, 400 naming the problem when it is not JSON."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body over {limit // 1024} kB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"request body over {limit // 1024} kB")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadRequest(f"malformed JSON: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


Handler = Callable[[Request], Awaitable[Response]]


def _answers(handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except RequestError as exc:
            return _error(exc.status, str(exc), **exc.payload)
    return wrapped


def create_app(library: Library, token: str) -> ASGIApp:
    burns = Burns(library)

    async def index(request: Request) -> Response:
        response = FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})
        response.set_cookie(cookie_name(request), token, httponly=True, samesite="strict")
        return response

    async def videos(request: Request) -> Response:
        return JSONResponse({"videos": await run_in_threadpool(library.summary)})

    async def video(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(library.detail, request.path_params["vid"]))

    async def media(request: Request) -> Response:
        v = library.video(request.path_params["vid"])
        return FileResponse(v.path)  # answers HTTP range requests: the player can seek

    async def burned(request: Request) -> Response:
        v = library.video(request.path_params["vid"])
        path = library.mp4_path(v, request.path_params["lang"])
        if not path.is_file():
            raise NotFound(f"{path.name} not burned yet")
        return FileResponse(path, headers={"Cache-Control": "no-store"})

    async def peaks(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(library.peaks, request.path_params["vid"]))

    async def track(request: Request) -> Response:
        vid, lang = request.path_params["vid"], library.language(request.path_params["lang"])
        if request.method == "PUT":
            body = await read_json(request)
            return JSONResponse(await run_in_threadpool(library.save, vid, lang, body))
        return JSONResponse(await run_in_threadpool(library.track, vid, lang),
                            headers={"Cache-Control": "no-store"})

    async def check(request: Request) -> Response:
        vid, lang = request.path_params["vid"], library.language(request.path_params["lang"])
        body = await read_json(request)
        if not isinstance(body, dict) or "cues" not in body:
            raise BadRequest("the body must be a JSON object with 'cues'")
        return JSONResponse(await run_in_threadpool(library.check, vid, lang, body["cues"]))

    async def burn(request: Request) -> Response:
        vid = request.path_params["vid"]
        if request.method == "POST":
            return JSONResponse(await run_in_threadpool(burns.start, vid), status_code=202)
        return JSONResponse(burns.status(vid))

    api = "/api/videos/{vid}"
    routes = [
        Route("/", _answers(index)),
        Route("/api/videos", _answers(videos)),
        Route(api, _answers(video)),
        Route(api + "/media", _answers(media)),
        Route(api + "/peaks", _answers(peaks)),
        Route(api + "/burned/{lang}", _answers(burned)),
        Route(api + "/subtitles/{lang}", _answers(track), methods=["GET", "PUT"]),
        Route(api + "/qc/{lang}", _answers(check), methods=["POST"]),
        Route(api + "/burn", _answers(burn), methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    return Guard(Starlette(routes=routes), token)
