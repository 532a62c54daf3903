"""The state machine as a file for a slide: SVG or PNG, 1920 px wide.

The same drawing as the presenter view (`diagram.state_machine`, left to right,
the active step, the path and the latest move marked), laid out by Graphviz's
own `dot` (the `graphviz` package pipes the DOT to it), on a white background:
a slide may be dark, and the labels' contrast was chosen against white.

Sizes: Graphviz scales the drawing to fit `size` (inches, "!" to enlarge it);
a PNG is drawn at 96 dots per inch, so 20 inches are 1920 px. An SVG counts in
points (72 an inch): the same 20 inches are 1440 pt, which a browser or a slide
tool shows 1920 px wide. The wide drawing is wider than 16:9, so the width is
what limits it.
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
    """The diagram of `workflow` at `state` as an SVG or a PNG file's bytes.

    Raises `ValueError` for any other format, and `graphviz.ExecutableNotFound`
    when Graphviz's `dot` is not installed.
    """
    if fmt not in FORMATS:
        raise ValueError(f"The diagram can be saved as {' or '.join(FORMATS)}, not {fmt!r}.")
    dot = state_machine(workflow, state, wide=True, waiting=waiting, tickets=tickets)
    inches = WIDTH_PX / PNG_DPI
    dot.attr(size=f"{inches},{inches * 9 / 16}!", bgcolor="white", pad="0.3")
    if fmt == "png":
        dot.attr(dpi=str(PNG_DPI))
    return dot.pipe(format=fmt)


def file_name(workflow: Workflow, state: dict | None, fmt: str) -> str:
    """`support-turn-2.png`: the workflow and how far the conversation had got."""
    turn = int((state or {}).get("turn") or 0)
    return f"{workflow.name}-turn-{turn}.{fmt}"
