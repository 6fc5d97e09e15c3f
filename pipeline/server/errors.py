"""The refusals of the review API, each with the HTTP status the app answers with."""

from __future__ import annotations

from typing import Any


class RequestError(Exception):
    """A request the library refuses; `status` is the HTTP status the app answers with."""

    status = 400

    def __init__(self, message: str, payload: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.payload = payload or {}


class BadRequest(RequestError):
    status = 400


class Refused(RequestError):
    status = 403


class NotFound(RequestError):
    status = 404


class Conflict(RequestError):
    status = 409


class Unreadable(RequestError):
    """An SRT on disk the reader cannot take with certainty (the error names file and line)."""

    status = 422


class TooLarge(RequestError):
    status = 413
