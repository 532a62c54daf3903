"""A message that draws nothing is refused, whatever invisible characters it is made of."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.core.engine import Error, clean_message, new_thread_id, run_turn, thread_config
from support_agent.core.errors import Cause
from support_agent.workflows.builders import build_graph
from support_agent.workflows.support import SUPPORT
from tests.helpers import customer_bubbles, send, start

# Letters, marks and symbols that draw nothing although their category says otherwise.
BLANK = ["\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f", "\u17b4", "\u180b",
         "\ufe0f", "\U000e0100"]  # fmt: skip
INVISIBLE = st.text(
    st.one_of(
        st.characters(categories=["Cc", "Cf", "Cs", "Cn", "Zs", "Zl", "Zp"]),
        st.sampled_from(["\u2066", "\u2069", *BLANK]),  # bidi isolates, which got through
    ),
    min_size=1,
)
GRAPH = build_graph("support", "offline", InMemorySaver())


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(INVISIBLE)
def test_a_message_of_only_invisible_characters_is_refused_and_nothing_is_saved(text):
    thread = new_thread_id()
    events = list(run_turn(GRAPH, SUPPORT, thread, text, stream_tokens=False))
    assert len(events) == 1 and isinstance(events[0], Error), events
    assert events[0].cause == Cause.EMPTY_MESSAGE
    assert events[0].message.startswith("Type a message first")
    assert not GRAPH.get_state(thread_config(thread)).values  # no turn, no message


@settings(max_examples=100, deadline=None, derandomize=True)
@given(INVISIBLE, st.sampled_from(["a", "é", "7", "?", "😀", "ㄱ", "\u0301"]), INVISIBLE)
def test_one_character_that_draws_is_a_message(before, shown, after):
    assert isinstance(clean_message(before + shown + after), str)


def test_the_chat_says_type_a_message_first_for_a_hangul_filler(monkeypatch):
    monkeypatch.setenv("HANDOFF_DB_URL", "memory://")
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    at = send(start(), "\u3164\u2800\u2066\u2069")
    assert any("Type a message first" in w.value for w in at.warning)
    at.run()
    assert not at.warning  # said once, for that send only
    assert customer_bubbles(at) == []  # nothing was saved as the customer's turn
    assert "thread" not in at.query_params  # no conversation was started
