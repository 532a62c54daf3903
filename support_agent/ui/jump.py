"""Jump to a step: start a new conversation at any step, its facts preset, for walkthroughs.

The seed is one checkpoint (as `Context.fork` seeds a copy) with a transition marked as a
jump and an opening summary note; the note lists the tool calls that would have recorded the
facts, since the offline model learns facts only from calls in a summary's ledger.
"""

from __future__ import annotations

import secrets
import typing
from collections.abc import Mapping
from functools import cache, partial

import streamlit as st
from langchain_core.messages import HumanMessage

from support_agent.core.declaration import (
    JUMP,
    JUMP_ID_PREFIX,
    Fact,
    TransitionRecord,
    Workflow,
    is_jump,
)
from support_agent.core.engine import describe_failure, is_store_error, new_thread_id
from support_agent.core.state_view import JUMP_NOTE
from support_agent.offline.policy import SUMMARY_SOURCE, format_ledger
from support_agent.ui import identity, keys, runtime, session
from support_agent.ui.safe_text import humanize

# What `SummarizationMiddleware` opens a summary with (never taken for the customer's words).
SUMMARY_HEAD = "Here is a summary of the conversation to date:"
REASON = "jumped here for a walkthrough"
MAX_TYPED = 100  # characters of a typed fact (an order number, a reason)


def targets(workflow: Workflow) -> list[str]:
    """Every step but the initial one (starting there is "New conversation")."""
    return [s.name for s in workflow.steps if s.name != workflow.initial]


def _fact(workflow: Workflow, key: str) -> Fact | None:
    return next((f for f in workflow.facts if f.key == key), None)


@cache  # read on every rerun by the sidebar's boxes; a schema never changes
def _hints(schema: type) -> dict:
    return typing.get_type_hints(schema)


def choices(workflow: Workflow, key: str) -> tuple[str, ...] | None:
    """A fact's values: its state `Literal`, else its `Fact`'s words; None when typed."""
    hint = _hints(workflow.state_schema).get(key)
    if typing.get_origin(hint) is typing.Literal:
        return tuple(str(v) for v in typing.get_args(hint))
    fact = _fact(workflow, key)
    return tuple(fact.values) if fact and fact.values else None


def fact_title(workflow: Workflow, key: str) -> str:
    fact = _fact(workflow, key)
    return fact.title if fact else humanize(key)


def fact_words(workflow: Workflow, key: str, value: str) -> str:
    fact = _fact(workflow, key)
    return fact.words(value) if fact else str(value)


def _checked(workflow: Workflow, step: str, facts: Mapping[str, str]) -> dict[str, str]:
    """The step's required facts from `facts`, or ValueError naming what is wrong."""
    if step not in workflow.step_names:
        raise ValueError(f"{workflow.title} has no step named {step!r}")
    out: dict[str, str] = {}
    for key in workflow.step(step).requires:
        value = " ".join(str(facts.get(key) or "").split())[:MAX_TYPED]
        if not value:
            raise ValueError(f"{fact_title(workflow, key)} must be set to start at {step}")
        allowed = choices(workflow, key)
        if allowed is not None and value not in allowed:
            raise ValueError(
                f"{fact_title(workflow, key)} can't be {value!r}; it is one of {', '.join(allowed)}"
            )
        out[key] = value
    return out


def jumped(state: dict) -> bool:
    """Whether the conversation was started at a step (a scenario can't replay it)."""
    return any(is_jump(r) for r in state.get("transitions") or [])


def reason(workflow: Workflow, facts: Mapping[str, str]) -> str:
    """ "jumped here for a walkthrough (Out of warranty, Hardware)"."""
    said = [fact_words(workflow, key, value) for key, value in facts.items()]
    return REASON + (f" ({', '.join(said)})" if said else "")


def ledger_calls(workflow: Workflow, facts: Mapping[str, str]) -> list[tuple[str, dict]]:
    """The tool calls that record `facts`, as the workflow's offline rules name them."""
    calls: dict[str, dict] = {}
    for key, value in facts.items():
        rule = next(
            (r for r in workflow.offline_rules.rules if r.fact == key and r.tool and r.arg), None
        )
        if rule is not None:
            calls.setdefault(rule.tool, {})[rule.arg] = value
    return list(calls.items())


def opening_note(workflow: Workflow, step: str, facts: Mapping[str, str]) -> HumanMessage:
    """The message a jumped conversation starts with: a summary for models, words for people."""
    title = workflow.step(step).title
    recorded = [
        f"{fact_title(workflow, k)}: {fact_words(workflow, k, v)}" for k, v in facts.items()
    ]
    for_people = f"Jumped to {title} for a walkthrough" + (
        f", with {' and '.join(recorded)} already recorded." if recorded else "."
    )
    for_people += " Write as the customer to continue from here."
    for_models = (
        f"{SUMMARY_HEAD}\n\n## SESSION INTENT\nThis conversation was started at the step "
        f'"{title}" for a walkthrough; the customer has not written yet.\n\n'
        f"## ARTIFACTS\nRecorded: {'; '.join(recorded) or 'nothing'}.\n"
        f"Tool calls so far:\n{format_ledger(ledger_calls(workflow, facts)) or 'None'}\n\n"
        "## NEXT STEPS\nContinue from the current step."
    )
    return HumanMessage(
        for_models, additional_kwargs={"lc_source": SUMMARY_SOURCE, JUMP_NOTE: for_people}
    )


def seed(
    workflow: Workflow, step: str, facts: Mapping[str, str], *, record_id: str | None = None
) -> dict:
    """The state a conversation started at `step` with `facts` begins with (ValueError if a
    required fact is missing or not one of its values).
    """
    facts = _checked(workflow, step, facts)
    record = TransitionRecord(
        id=record_id or f"{JUMP_ID_PREFIX}{secrets.token_hex(8)}",
        turn=0,
        source=workflow.initial,
        target=step,
        tool=JUMP,
        reason=reason(workflow, facts),
    )
    return {
        "messages": [opening_note(workflow, step, facts)],
        workflow.state_key: step,
        **facts,
        "turn": 0,
        "transitions": [record],
    }


def title(workflow: Workflow, step: str, facts: Mapping[str, str]) -> str:
    said = [fact_words(workflow, key, value) for key, value in facts.items()]
    return " · ".join([f"Walkthrough: {workflow.step(step).title}", *said])


def start(workflow: Workflow, step: str, facts: Mapping[str, str]) -> str:
    """Write the seed, then switch this session to it (a failing store leaves it where it was)."""
    facts = _checked(workflow, step, facts)
    values = seed(workflow, step, facts)
    thread = new_thread_id()
    owner = identity.owner()
    runtime.backend().seed(workflow.name, thread, values, owner)
    runtime.store().threads.touch(thread, workflow.name, title(workflow, step, facts), owner)
    session.start_new(workflow.name, thread)
    session.publish(thread)
    st.session_state.pop(keys.MACHINE_FACTS_BEFORE, None)  # the facts were preset, not new
    return thread


def control(workflow: Workflow, where, *, width: str = "stretch") -> None:
    """The "Jump to a step" popover; a jump closes it so it does not cover the diagram."""
    offered = targets(workflow)
    if not offered:
        return
    with where.popover(
        "Jump to a step",
        icon=":material/move_down:",
        width=width,
        key=keys.JUMP_OPEN,
        on_change="rerun",
    ):
        st.caption(
            "A new conversation starts at the step you pick, with these facts already "
            "recorded, so you can show one branch in seconds. The conversation open now "
            "stays as it is (see Threads)."
        )
        step = st.selectbox(
            "Step",
            offered,
            index=len(offered) - 1,
            format_func=lambda name: workflow.step(name).title,
            key=keys.JUMP_STEP.format(workflow.name),
        )
        facts: dict[str, str] = {}
        for key in workflow.step(step).requires:
            label, box = fact_title(workflow, key), keys.JUMP_FACT.format(workflow.name, key)
            if (options := choices(workflow, key)) is not None:
                facts[key] = st.selectbox(
                    label, options, format_func=partial(fact_words, workflow, key), key=box
                )
            else:
                facts[key] = st.text_input(
                    label, max_chars=MAX_TYPED, placeholder="Type it", key=box
                )
        st.button(
            "Start here",
            icon=":material/play_arrow:",
            type="primary",
            width="stretch",
            disabled=not all((value or "").strip() for value in facts.values()),
            key=keys.JUMP_START,
            on_click=_start_chosen,
            args=(workflow,),
        )
        if failed := st.session_state.pop(keys.JUMP_FAILED, None):
            st.error(failed, icon="🛑")


def _start_chosen(workflow: Workflow) -> None:
    """ "Start here", before the run; the boxes' state holds what was on screen."""
    ss = st.session_state
    step = ss.get(keys.JUMP_STEP.format(workflow.name))
    if step not in targets(workflow):
        return
    facts = {
        key: ss.get(keys.JUMP_FACT.format(workflow.name, key))
        for key in workflow.step(step).requires
    }
    try:
        start(workflow, step, facts)
    except ValueError as exc:  # a value the boxes could not hold; said, nothing started
        ss[keys.JUMP_FAILED] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a store that is down: say so, stay here
        if not is_store_error(exc):
            raise
        ss[keys.JUMP_FAILED] = f"{describe_failure(exc).message} Nothing was started."
    else:
        ss[keys.JUMP_OPEN] = False
