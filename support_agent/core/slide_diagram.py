"""The state machine as a file for a slide: the presenter view's drawing on white (the labels'
contrast was chosen against white), 1920 px wide: 20 inches, at 96 dpi for a PNG.
"""

from __future__ import annotations

from collections.abc import Mapping

from support_agent.core.declaration import Workflow
from support_agent.core.diagram import state_machine

WIDTH_PX = 1920
PNG_DPI = 96
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def slide(
    workflow: Workflow,
    state: dict | None = None,
    fmt: str = "png",
    *,
    waiting: str = "",
    tickets: Mapping[str, str] | None = None,
) -> bytes:
    """The diagram as SVG or PNG bytes; `ValueError` for another format."""
    if fmt not in FORMATS:
        raise ValueError(f"The diagram can be saved as {' or '.join(FORMATS)}, not {fmt!r}.")
    dot = state_machine(workflow, state, wide=True, waiting=waiting, tickets=tickets)
    inches = WIDTH_PX / PNG_DPI
    dot.attr(size=f"{inches},{inches * 9 / 16}!", bgcolor="white", pad="0.3")
    if fmt == "png":
        dot.attr(dpi=str(PNG_DPI))
    return dot.pipe(format=fmt)


def file_name(workflow: Workflow, state: dict | None, fmt: str) -> str:
    turn = int((state or {}).get("turn") or 0)
    return f"{workflow.name}-turn-{turn}.{fmt}"
