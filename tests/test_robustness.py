"""A model that misbehaves can't move the state machine or crash the turn.

`ScriptedModel` replays pre-set `AIMessage`s, so each test decides exactly
which tool calls a (hypothetical, badly behaved) provider model makes.
"""

from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver

from support_agent import build_support_agent
from support_agent.core.engine import (
    Error,
    ToolResult,
    Transition,
    TurnEnd,
    new_thread_id,
    run_turn,
)
from support_agent.workflows.support import SUPPORT
from tests.helpers import FALLBACK, ScriptedModel, call


def run(script: list[AIMessage], *, before: list[AIMessage] = (), text: str = "hello"):
    """Optionally play `before` as a first turn, then one turn of `script`."""
    model = ScriptedModel(script=[*before, *script])
    agent = build_support_agent(model, InMemorySaver())
    thread_id = new_thread_id()
    if before:
        assert isinstance(list(run_turn(agent, SUPPORT, thread_id, "first"))[-1], TurnEnd)
    start = dict(agent.get_state({"configurable": {"thread_id": thread_id}}).values)
    events = list(run_turn(agent, SUPPORT, thread_id, text))
    return model, start, events


def error_results(events) -> list[ToolResult]:
    return [e for e in events if isinstance(e, ToolResult) and not e.ok]


def tool_messages(state) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def assert_unmoved(start: dict, end: dict) -> None:
    for key in ("current_step", "warranty_status", "issue_type"):
        assert end.get(key) == start.get(key), key
    assert (end.get("transitions") or []) == (start.get("transitions") or [])


def test_invalid_argument_value_is_an_error_result_and_moves_nothing():
    model, start, events = run([call("record_warranty_status", status="maybe")])

    assert not [e for e in events if isinstance(e, Error | Transition)]
    (failed,) = error_results(events)
    assert failed.name == "record_warranty_status"
    assert "in_warranty" in failed.content  # the model is told which values are valid
    end = events[-1]
    assert isinstance(end, TurnEnd)
    assert_unmoved(start, end.state)
    assert end.state.get("warranty_status") is None
    assert tool_messages(end.state)[-1].status == "error"
    assert end.state["messages"][-1].text == FALLBACK  # the agent got to answer
    # The model saw the error before its second call.
    assert len(model.offered) == 2


def test_tool_from_another_step_moves_nothing():
    _model, start, events = run([call("record_issue_type", issue_type="hardware")])

    end = events[-1]
    assert isinstance(end, TurnEnd)
    assert not [e for e in events if isinstance(e, Transition)]
    (failed,) = error_results(events)
    assert "not available" in failed.content
    assert_unmoved(start, end.state)
    assert end.state.get("issue_type") is None
    assert SUPPORT.current(end.state) == "warranty_collector"


def test_plain_tool_from_another_step_does_not_run():
    _model, start, events = run([call("provide_solution", solution="customer said hi")])

    end = events[-1]
    assert isinstance(end, TurnEnd)
    (failed,) = error_results(events)
    assert failed.name == "provide_solution"
    assert "Solution provided" not in failed.content
    assert_unmoved(start, end.state)


def test_go_back_tool_before_resolution_moves_nothing():
    # The warranty is recorded (step: issue_classifier); this go-back belongs to Resolution.
    _model, start, events = run(
        [call("go_back_to_classification")],
        before=[call("record_warranty_status", status="in_warranty"), AIMessage("Noted.")],
    )
    assert start["current_step"] == "issue_classifier"
    end = events[-1]
    assert isinstance(end, TurnEnd)
    assert error_results(events)
    assert_unmoved(start, end.state)
    assert end.state["warranty_status"] == "in_warranty"


def test_only_the_steps_tools_are_offered():
    model, _start, _events = run(
        [call("record_warranty_status", status="in_warranty"), AIMessage("What happened?")]
    )
    assert model.offered == [
        ["record_warranty_status", "escalate_to_human"],
        ["record_issue_type", "go_back_to_warranty", "escalate_to_human"],
    ]


def test_unknown_tool_is_an_error_result_not_a_crash():
    _model, start, events = run([call("launch_rockets", target="moon")])

    assert not [e for e in events if isinstance(e, Error)]
    (failed,) = error_results(events)
    assert failed.name == "launch_rockets"
    assert "launch_rockets" in failed.content  # the model is told which call failed
    end = events[-1]
    assert isinstance(end, TurnEnd)
    assert_unmoved(start, end.state)
    assert end.state["messages"][-1].text == FALLBACK


def test_several_bad_calls_in_one_message_each_get_an_answer():
    bad = AIMessage(
        "",
        tool_calls=[
            {"name": "record_warranty_status", "args": {"status": 7}, "id": "a"},
            {"name": "record_issue_type", "args": {"issue_type": "hardware"}, "id": "b"},
            {"name": "no_such_tool", "args": {}, "id": "c"},
            {"name": "record_warranty_status", "args": {}, "id": "d"},
        ],
    )
    _model, start, events = run([bad])

    end = events[-1]
    assert isinstance(end, TurnEnd)
    assert sorted(r.id for r in error_results(events)) == ["a", "b", "c", "d"]
    assert sorted(m.tool_call_id for m in tool_messages(end.state)) == ["a", "b", "c", "d"]
    assert_unmoved(start, end.state)


class LoopingModel(ScriptedModel):
    """Calls a tool with a bad argument on every call, never answering."""

    limit: int = 60

    def _generate(self, messages, stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        self.offered.append(list(kwargs.get("tools") or []))
        if len(self.offered) > self.limit:  # keeps this test fast when the engine lets it loop
            raise RuntimeError(f"model called more than {self.limit} times in one turn")
        bad = call("record_warranty_status", status="sort of")
        bad.tool_calls[0]["id"] = f"call_{len(messages)}"
        return ChatResult(generations=[ChatGeneration(message=bad)])


def test_a_model_that_never_answers_is_stopped_early():
    model = LoopingModel(script=[])
    agent = build_support_agent(model, InMemorySaver())
    thread_id = new_thread_id()
    events = list(run_turn(agent, SUPPORT, thread_id, "hello"))

    error = events[-1]
    assert isinstance(error, Error)
    assert "RuntimeError" not in error.message  # stopped by the engine, not by this test
    assert (error.kind, error.cause) == ("provider", "tool_loop")
    assert not error.retryable  # retrying would loop again
    assert len(model.offered) <= model.limit
    state = agent.get_state({"configurable": {"thread_id": thread_id}}).values
    assert SUPPORT.current(state) == "warranty_collector"


# --- small defects found from outside (issue 11, item 7) --------------------------------


def test_invisible_only_and_broken_unicode_messages():
    from support_agent.core.engine import Error, clean_message

    assert isinstance(clean_message("\u200b\u200d\ufeff "), Error)
    assert clean_message("hi \ud800 there") == "hi ? there"  # a lone surrogate can't be sent
    assert clean_message("a\x00b") == "ab"


def test_a_prompt_with_a_nul_is_refused_before_the_database_sees_it():
    import pytest

    from support_agent.features.prompt_versions import TemplateError, validate

    with pytest.raises(TemplateError, match="NUL"):
        validate("support", "warranty_collector", "Ask about the warranty.\x00")


def test_scenario_files_that_check_nothing_or_are_not_utf8_exit_2(tmp_path):
    from support_agent.scenario_cli import main

    empty = tmp_path / "empty.yaml"
    empty.write_text("name: x\nworkflow: support\nturns: [hi]\nexpect: {}\n", encoding="utf-8")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\nworkflow: support\nturns: [hi]\n")
    for path, words in ((empty, "checks nothing"), (latin, "not UTF-8")):
        import io

        out, err = io.StringIO(), io.StringIO()
        assert main(["run", str(path), "--model", "offline"], out, err) == 2
        assert words in out.getvalue() + err.getvalue()
