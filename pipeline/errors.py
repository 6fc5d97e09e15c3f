"""One exception type per kind of failure. Each message names the file and the cause in one line."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: a failure the user can act on (shown as one line, never a traceback)."""


class UsageError(PipelineError):
    """Misuse of the command line or options (exit code 2)."""


class MediaError(PipelineError):
    """A media file cannot be probed or decoded (corrupt, empty, no audio, not media)."""


class ModelError(PipelineError):
    """A Whisper model or translation package cannot be found or loaded."""


class SubtitleParseError(PipelineError):
    """A subtitle file cannot be read; names the file, the line and what was expected."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.detail = path, line, message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class TranslationError(PipelineError):
    """Translation failed or no package covers a requested direction."""


class BurnError(PipelineError):
    """Rendering subtitles into video failed (missing font, encoder error)."""


class MissingPackageError(UsageError):
    """A requested translation direction has no Argos package and no pivot (exit 2, before any work)."""
