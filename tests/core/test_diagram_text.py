"""Any text that reaches the state-machine diagram still draws it, shown as typed.

The diagram is checked by the real Graphviz: the DOT goes through Debian's
`dot` (package `graphviz`, installed by scripts/test.sh) to SVG, and the SVG
must be well-formed XML, as the page's renderer (Graphviz compiled to
WebAssembly, behind `st.graphviz_chart`) puts that SVG into the page.
"""

import dataclasses
import shutil
import subprocess
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support_agent.core.declaration import APPROVAL_ID_PREFIX, JUMP, JUMP_ID_PREFIX
from support_agent.core.diagram import dot_source
from support_agent.workflows import WORKFLOWS
from tests.helpers import Paused

XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def render(source: str) -> ET.Element:
    """The SVG Graphviz draws from `source`; fails on a DOT or SVG it can't read."""
    dot = shutil.which("dot")
    assert dot, "Graphviz's `dot` is missing: run ./scripts/test.sh (it installs `graphviz`)"
    done = subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"syntax error" not in done.stderr, done.stderr.decode(errors="replace")
    return ET.fromstring(done.stdout)  # raises on SVG a browser would refuse


def tooltips(svg: ET.Element) -> set[str]:
    return {e.get(XLINK_TITLE) for e in svg.iter() if e.get(XLINK_TITLE) is not None}


def shown_as_typed(text: str, svg: ET.Element) -> bool:
    """Whether a tooltip shows `text` as typed: on one line, whitespace runs as one space."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if ord(c) < 32 or 0x7F <= ord(c) < 0xA0 else c for c in text)
    text = " ".join(text.replace("\ufffe", " ").replace("\uffff", " ").split())
    return text in tooltips(svg)


def test_a_rejection_note_ending_in_a_backslash_still_draws_the_diagram():
    talk = Paused("support")
    talk.to_the_gate()
    talk.decide("reject", "see C:\\refunds\\")  # as typed into the rejection note
    source = dot_source(talk.workflow, talk.state)
    shown = "Hand this case over to a person? Rejected by a person: see C:\\refunds\\"
    assert shown in tooltips(render(source))  # the note as typed, backslashes and all


# DOT, escString, HTML-like label and XML specials, plus anything Unicode has.
SPECIAL = st.sampled_from(
    ["\\", '"', "\\n", "\\l", "\\N", "\\G", "&#1;", "&amp;", "&", ";", "<b>", ">", "<", "{",
     "}", "|", "[", "]", "=", ":", "\n", "\r", "\t", "\x00", "\x7f", "\ufffe", "\ud800"]
)  # fmt: skip
TEXT = st.lists(st.one_of(SPECIAL, st.characters(exclude_categories=())), max_size=30).map("".join)
SETTINGS = settings(
    max_examples=60,
    deadline=None,  # nothing here is about time
    derandomize=True,  # the same examples on every run
    suppress_health_check=[HealthCheck.too_slow],
)


def with_words(workflow, title: str, label: str):
    """`workflow` with `title` in every step's title and `label` in every edge label."""
    steps = tuple(dataclasses.replace(s, title=f"S {title}") for s in workflow.steps)
    moves = {tool: dataclasses.replace(m, label=f"M {label}") for tool, m in workflow.moves.items()}
    tools = {tool: f"T {label}" for tool in workflow.tool_labels}
    return dataclasses.replace(workflow, steps=steps, moves=moves, tool_labels=tools)


@SETTINGS
@given(
    name=st.sampled_from(sorted(WORKFLOWS)),
    title=TEXT,
    label=TEXT,
    reason=TEXT,
    note=TEXT,
    waiting=TEXT,
    wide=st.booleans(),
)
def test_any_text_in_any_field_still_draws_the_diagram(
    name, title, label, reason, note, waiting, wide
):
    flow = with_words(WORKFLOWS[name], title, label)
    reason, note = f"R {reason}", f"N {note}"  # an empty tooltip is not drawn at all
    first, second = flow.steps[0].name, flow.steps[-1].name
    state = {
        flow.state_key: second,
        "turn": 2,
        "transitions": [
            {"id": f"{JUMP_ID_PREFIX}1", "turn": 1, "source": first, "target": second,
             "tool": JUMP, "reason": reason},
            {"id": f"{APPROVAL_ID_PREFIX}1", "turn": 1, "source": first, "target": first,
             "tool": "escalate_to_human", "reason": reason, "decision": "reject", "note": reason},
            {"id": f"{APPROVAL_ID_PREFIX}2", "turn": 2, "source": second, "target": second,
             "tool": "escalate_to_human", "reason": note, "decision": "approve"},
        ],
    }  # fmt: skip
    decided = render(dot_source(flow, state, wide=wide))
    assert shown_as_typed(reason, decided) and shown_as_typed(note, decided)
    # Waiting at a tool the declaration doesn't know: its name is the words shown.
    waiting = f"w{waiting}"
    paused = render(dot_source(flow, state, wide=wide, waiting=waiting))
    assert shown_as_typed(waiting.replace("_", " "), paused)
