"""Logging, configured once per process (`configure()` from each entry point).

`HANDOFF_LOG_LEVEL` sets how much of ours is written; other libraries stay at WARNING. Since
Streamlit reruns `app.py`, `configure()` is idempotent and adds a stderr handler only when
nobody has configured logging yet, so a host's own handlers are kept.
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
    """Writes to the `sys.stderr` of the moment (a test or a host may swap it); what the
    parent's `__init__` sets is ignored."""

    stream = property(lambda _self: sys.stderr, lambda _self, _value: None)


def level(value: str | None = None) -> int:
    value = (settings().handoff_log_level if value is None else value).strip()
    if value.isdigit():
        return int(value)
    return logging.getLevelNamesMapping().get(value.upper(), DEFAULT_LEVEL)


def configure() -> logging.Logger:
    package = logging.getLogger(PACKAGE)
    package.setLevel(level())
    root = logging.getLogger()
    if not root.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    return package
