"""What the Prompts page tells someone editing: placeholders in words, the tools an edit
stops naming, and two texts side by side with the changed words marked."""

from support_agent.features.prompt_diff import Block, Piece, Row, side_by_side, word_diff
from support_agent.features.prompt_guide import dropped_tools, placeholder_meanings
from support_agent.workflows import WORKFLOWS

SUPPORT, HANDOFFS, RETURNS = WORKFLOWS["support"], WORKFLOWS["handoffs"], WORKFLOWS["returns"]


def test_every_placeholder_a_step_may_use_is_explained():
    for workflow in WORKFLOWS.values():
        for step in workflow.steps:
            meanings = dict(placeholder_meanings(workflow, step.name))
            assert list(meanings) == workflow.prompt_keys
            assert all(m and "_" not in m.replace("`", "").split()[0] for m in meanings.values())


def test_placeholders_say_what_fills_them():
    support = dict(placeholder_meanings(SUPPORT, "issue_classifier"))
    assert support["issue_type"] == (
        "Issue type, once the agent has recorded it as `hardware` (Hardware) or `software` "
        "(Software); `unknown` until then."
    )
    assert support["current_step"].startswith("The step the conversation is at")
    assert dict(placeholder_meanings(HANDOFFS, "sales_agent"))["active_agent"].startswith(
        "The agent answering"
    )
    assert dict(placeholder_meanings(RETURNS, "resolution"))["order_id"] == (
        "Order, once the agent has recorded it; `unknown` until then."
    )
    assert placeholder_meanings(SUPPORT, "tool:provide_solution") == []  # no placeholders


def test_a_tool_the_edit_stops_naming_is_found_from_the_declaration():
    before = "Use record_warranty_status. If asked, use escalate_to_human."
    assert dropped_tools(SUPPORT, "warranty_collector", before, "Use escalate_to_human.") == [
        "record_warranty_status"
    ]
    assert dropped_tools(SUPPORT, "warranty_collector", before, before + " Be brief.") == []
    # A longer name that contains it is not a mention.
    assert dropped_tools(
        SUPPORT, "warranty_collector", before, "record_warranty_status_v2 escalate_to_human"
    ) == ["record_warranty_status"]
    # A tool the old text never named is not "dropped".
    assert dropped_tools(SUPPORT, "warranty_collector", "Hello.", "Hi.") == []


def test_changed_words_are_marked_on_each_side():
    left, right = word_diff("Ask about the warranty now.", "Ask about the receipt now.")
    assert left == [Piece("Ask about the ", False), Piece("warranty", True), Piece(" now.", False)]
    assert right == [Piece("Ask about the ", False), Piece("receipt", True), Piece(" now.", False)]


def test_unchanged_stretches_fold_and_added_lines_face_a_blank():
    old = "a\nb\nc\nAsk about the warranty.\nd\ne\nf\ng"
    new = "a\nb\nc\nAsk about the receipt.\nd\ne\nf\ng\nextra"
    blocks = side_by_side(old, new)
    assert [b.unchanged for b in blocks] == [2, 0, 2, 0]
    assert blocks[-1].rows[-1] == Row(None, [Piece("extra", True)])
    assert side_by_side("same", "same") == []
    assert side_by_side("x", "y") == [Block([Row([Piece("x", True)], [Piece("y", True)])])]
