"""Download the state machine as drawn now (SVG or PNG), made only when a button is pressed."""

from __future__ import annotations

from collections.abc import Mapping

from support_agent.core.declaration import Workflow
from support_agent.core.slide_diagram import FORMATS, WIDTH_PX, file_name, slide
from support_agent.ui import keys

LABEL = "Download diagram"
CHOICES = {"png": f"PNG image ({WIDTH_PX} px wide)", "svg": "SVG drawing (scales to any size)"}


def popover(
    workflow: Workflow,
    state: dict,
    where,
    *,
    waiting: str = "",
    tickets: Mapping[str, str] | None = None,
    page: str,
) -> None:
    """The popover in `where`; `page` ("chat", "walkthrough") tells its buttons apart."""
    box = where.popover(LABEL, icon=":material/download:")
    box.caption("The state machine as shown now, with its path, sized for a slide.")
    for fmt, label in CHOICES.items():
        box.download_button(
            label,
            data=lambda fmt=fmt: slide(workflow, state, fmt, waiting=waiting, tickets=tickets),
            file_name=file_name(workflow, state, fmt),
            mime=FORMATS[fmt],
            on_click="ignore",  # a download changes nothing on the page
            icon=":material/image:" if fmt == "png" else ":material/draw:",
            key=keys.DIAGRAM_DOWNLOAD.format(page, fmt),
            width="stretch",
        )
