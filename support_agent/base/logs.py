"""Logging, configured once per process: `configure()` from each entry point.

The package logs with the standard `logging` module (`support_agent.*`
loggers): internal errors with their traceback (`support_agent.core.errors`, keys
redacted), store failures as warnings, failed turns at INFO.
`HANDOFF_LOG_LEVEL` (DEBUG, INFO, WARNING — the default —, ERROR or a
number) sets how much of ours is written; other libraries stay at WARNING.

`configure()` is idempotent (Streamlit runs `app.py` again on every
interaction): it writes to stderr only when nobody has configured logging
yet (no handler on the root logger), so an application that sets up its own
handlers keeps them, and it never adds a second handler.
"""

from __future__ import annotations

import logging
import sys

from support_agent.base.settings import settings

LEVEL_ENV = "HANDOFF_LOG_LEVEL"
DEFAULT_LEVEL = logging.WARNING
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PACKAGE = "support_agent"


class _Stderr(logging.StreamHandler):
    """Writes to the `sys.stderr` of the moment (a test or a host may swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # noqa: ANN201 - the parent's attribute
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # noqa: ANN001 - set by the parent's __init__
        pass


def level(value: str | None = None) -> int:
    """The level `HANDOFF_LOG_LEVEL` names (a name or a number); WARNING if unset or unknown."""
    value = (settings().handoff_log_level if value is None else value).strip()
    if value.isdigit():
        return int(value)
    return logging.getLevelNamesMapping().get(value.upper(), DEFAULT_LEVEL)


def configure() -> logging.Logger:
    """Set up logging for this process (again and again safely); returns the package logger."""
    package = logging.getLogger(PACKAGE)
    package.setLevel(level())
    root = logging.getLogger()
    if not root.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    return package
