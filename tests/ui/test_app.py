"""The Streamlit app, driven with AppTest (no browser)."""

import pytest

from support_agent.workflows.support import SUPPORT
from tests.helpers import (
    TUTORIAL,
    active_node,
    customer_bubbles,
    dot,
    edges,
    history,
    node_attrs,
    send,
    shown_history,
    start,
    traversed,
    use_server,
)


@pytest.fixture(autouse=True)
def offline_in_memory(monkeypatch):
    monkeypatch.setenv("HANDOFF_DB_URL", "memory://")
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    monkeypatch.delenv("SUPPORT_AGENT_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def just_moved(source: str) -> set[str]:
    return {tool for tool, attrs in edges(source).items() if "just-moved" in attrs}


def test_first_screen_offers_starters_and_the_initial_machine():
    at = start()
    assert not at.exception
    labels = [b.label for b in at.button]
    for label, _text in SUPPORT.starters:
        assert label in labels
    assert active_node(dot(at)) == "warranty_collector"
    assert history(at) == []
    assert "thread" not in at.query_params  # no saved turn yet, nothing to share


def test_tutorial_conversation_moves_the_sidebar_each_turn():
    at = start()
    send(at, TUTORIAL[0])
    assert active_node(dot(at)) == "warranty_collector"
    assert history(at) == []
    thread = at.query_params["thread"]
    assert len(thread) >= 22

    send(at, TUTORIAL[1])
    source = dot(at)
    assert active_node(source) == "resolution_specialist"
    assert traversed(source) == {"record_warranty_status", "record_issue_type"}
    assert just_moved(source) == {"record_issue_type"}  # the move the audience just saw
    assert 'label="issue\\nclassified"' in edges(source)["record_issue_type"]  # declared words
    assert 'fillcolor="#dbeafe"' in node_attrs(source, "issue_classifier")  # visited
    assert history(at) == [
        (2, "Warranty verification → Issue classification", "record_warranty_status"),
        (2, "Issue classification → Resolution", "record_issue_type"),
    ]
    assert shown_history(at) == [
        "**Turn 2** · Issue classification → **Resolution**  \n"
        ":small[the issue was classified as hardware]",
        "**Turn 2** · Warranty verification → **Issue classification**  \n"
        ":small[the device is in warranty]",
    ]
    facts = at.sidebar.markdown[1].value
    assert "**Warranty**: In warranty" in facts and "new this turn" in facts
    assert "in_warranty" not in facts and "in\\_warranty" not in facts

    send(at, TUTORIAL[2])
    send(at, TUTORIAL[3])
    assert active_node(dot(at)) == "resolution_specialist"
    assert len(history(at)) == 2
    assert "new this turn" not in at.sidebar.markdown[1].value
    assert just_moved(dot(at)) == set()  # these turns moved nothing
    assert traversed(dot(at)) == {"record_warranty_status", "record_issue_type"}
    assert customer_bubbles(at) == TUTORIAL
    moved = [m.value for m in at.markdown if m.value.startswith("➡️")]
    assert moved == [
        "➡️ Moved to **Issue classification** — the device is in warranty",
        "➡️ Moved to **Resolution** — the issue was classified as hardware",
    ]
    tool_boxes = [e.label for e in at.expander if e.label.startswith("🔧")]
    assert tool_boxes.count("🔧 Solution given") == 1  # follow-ups are answered, not re-solved
    assert at.query_params["thread"] == thread


def test_troubleshooting_steps_are_a_markdown_list_with_one_step_per_line():
    at = start()
    send(at, "My phone has been really slow since the last update")
    send(at, "yes")
    replies = [m.value for m in at.markdown if "Restart the device" in m.value]
    assert replies, "the troubleshooting reply is shown"
    lines = replies[-1].splitlines()
    assert [line[:3] for line in lines if line[:1].isdigit()] == ["1. ", "2. ", "3. ", "4. "]


def test_starter_button_runs_a_turn():
    at = start()
    label, text = SUPPORT.starters[1]
    next(b for b in at.button if b.label == label).click().run()
    assert customer_bubbles(at) == [text]
    assert active_node(dot(at)) == "resolution_specialist"
    assert [row[2] for row in history(at)] == ["record_warranty_status", "record_issue_type"]


def test_thread_link_resumes_in_a_new_session():
    first = start()
    send(first, TUTORIAL[0])
    send(first, TUTORIAL[1])
    thread = first.query_params["thread"]

    again = start(thread=thread)
    assert not again.exception
    assert customer_bubbles(again) == TUTORIAL[:2]
    assert active_node(dot(again)) == "resolution_specialist"
    assert len(history(again)) == 2
    send(again, TUTORIAL[2])
    assert customer_bubbles(again) == TUTORIAL[:3]


def test_unknown_thread_link_starts_fresh_with_a_notice():
    at = start(thread="no-such-thread-123")
    assert not at.exception
    assert any("doesn't match a saved conversation" in i.value for i in at.info)
    assert customer_bubbles(at) == []
    send(at, "hello")
    assert at.query_params["thread"] != "no-such-thread-123"


def test_new_conversation_button_starts_a_new_thread():
    at = start()
    send(at, TUTORIAL[0])
    old = at.query_params["thread"]
    next(b for b in at.button if b.label == "New conversation").click().run()
    assert customer_bubbles(at) == []
    send(at, "hello")
    assert at.query_params["thread"] != old


def test_customer_text_is_shown_literally():
    at = start()
    send(at, "<b>bold?</b> *stars* [link](http://x)")
    shown = customer_bubbles(at)[0]
    assert "\\*stars\\*" in shown and "\\<b\\>" in shown


def test_missing_key_keeps_the_message_and_retry_works(monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "openai:gpt-4.1-mini")
    at = start()
    send(at, TUTORIAL[0])
    assert any("OPENAI_API_KEY" in e.value for e in at.error)
    assert customer_bubbles(at) == [TUTORIAL[0]]
    assert "sk-" not in str(at.error[0].value)

    at.selectbox(key="model.label").set_value("Offline demo model").run()
    next(b for b in at.button if b.label == "Retry").click().run()
    assert not at.error
    assert customer_bubbles(at) == [TUTORIAL[0]]
    assert "warranty" in at.chat_message[-1].markdown[0].value.lower()


def test_provider_down_keeps_saved_state_and_retry_resumes(monkeypatch):
    at = start()
    send(at, TUTORIAL[0])
    thread = at.query_params["thread"]
    # Point the next turn at a server that isn't there.
    at.selectbox(key="model.label").set_value("OpenAI-compatible server").run()
    at.sidebar.text_input(key="model.url.OpenAI-compatible server").set_value(
        "http://127.0.0.1:9/v1"
    ).run()
    send(at, TUTORIAL[1])
    assert any("could not be reached" in e.value for e in at.error)
    assert customer_bubbles(at) == TUTORIAL[:2]  # kept, from the saved state
    assert active_node(dot(at)) == "warranty_collector"  # nothing moved
    assert at.query_params["thread"] == thread

    at.selectbox(key="model.label").set_value("Offline demo model").run()
    next(b for b in at.button if b.label == "Retry").click().run()
    assert not at.error
    assert customer_bubbles(at) == TUTORIAL[:2]  # resumed, not sent twice
    assert active_node(dot(at)) == "resolution_specialist"


def test_unreachable_store_is_reported_at_start(monkeypatch):
    monkeypatch.setenv(
        "HANDOFF_DB_URL", "postgresql://app:s3cret@127.0.0.1:1/handoff?connect_timeout=1"
    )
    at = start()
    assert not at.exception
    message = at.error[0].value
    assert "Can't reach PostgreSQL" in message and "s3cret" not in message
    assert not at.chat_input  # nothing to type into until the store is back


@pytest.mark.postgres
def test_store_going_down_mid_session_is_said_and_nothing_is_lost(monkeypatch):
    import contextlib
    import subprocess

    from tests.pg import ThrowawayPostgres

    server = ThrowawayPostgres()
    server.start()
    try:
        # A URL of its own, so the cached store is this server's.
        monkeypatch.setenv("HANDOFF_DB_URL", server.url + "?application_name=down-test")
        at = start()
        send(at, TUTORIAL[0])
        server.stop()
        at.run()
        assert any("not answering" in e.value for e in at.error)
        assert not at.exception
        server.start()
        at.run()
        assert not at.error
        assert customer_bubbles(at) == [TUTORIAL[0]]
        send(at, TUTORIAL[1])
        assert active_node(dot(at)) == "resolution_specialist"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        server.remove()


def test_a_typed_api_key_is_never_shown_or_saved(monkeypatch, tmp_path):
    db = tmp_path / "keys.db"
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{db}")
    secret = "sk-test-DO-NOT-LEAK-4242"
    at = start()
    send(at, TUTORIAL[0])
    at.selectbox(key="model.label").set_value("OpenAI-compatible server").run()
    at.sidebar.text_input(key="model.url.OpenAI-compatible server").set_value(
        "http://127.0.0.1:9/v1"
    ).run()
    at.sidebar.text_input(key="model.api_key").set_value(secret).run()
    assert any("found (this session)" in c.value for c in at.sidebar.caption)
    send(at, TUTORIAL[1])  # fails: nothing listens there
    assert any("could not be reached" in e.value for e in at.error)

    shown = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.error, *at.info])
    assert secret not in shown
    saved = b"".join(p.read_bytes() for p in tmp_path.iterdir()) + _decoded(db)
    assert TUTORIAL[1].encode() in saved  # the turn's message was saved...
    assert secret.encode() not in saved  # ...and the key was not


def _decoded(db) -> bytes:
    """Every checkpoint and pending write, decompressed and deserialized, as text."""
    import sqlite3

    from support_agent.store.serde import CompressedSerializer

    serde, out = CompressedSerializer(), []
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT type, checkpoint FROM checkpoints").fetchall()
        rows += conn.execute("SELECT type, value FROM writes").fetchall()
    for kind, blob in rows:
        if kind and blob:
            out.append(repr(serde.loads_typed((kind, blob))))
    return "\n".join(out).encode()


def test_turns_reuse_one_compiled_graph(monkeypatch):
    from support_agent.ui import runtime

    built = []
    real = runtime.build_graph
    monkeypatch.setattr(runtime, "build_graph", lambda *a, **k: built.append(a[0]) or real(*a, **k))
    runtime._runner.clear()
    runtime._reader.clear()
    at = start()
    for text in TUTORIAL:
        send(at, text)
    other = start()
    send(other, "My phone has been really slow since the last update")
    # the graph that runs turns, its twin without approvals, and one to read state: shared
    assert sorted(built) == ["support", "support", "support"]


def test_a_long_conversation_draws_its_latest_messages_and_the_rest_on_request():
    at = start()
    for text in ["Hi, my phone screen is cracked", "yes"] + ["How long does it take?"] * 10:
        send(at, text)
    assert len(customer_bubbles(at)) < 12
    assert customer_bubbles(at)[-1] == "How long does it take?"
    earlier = next(b for b in at.button if b.label.startswith("Show ") and "earlier" in b.label)
    earlier.click().run()
    assert len(customer_bubbles(at)) == 12


def test_a_remote_image_in_a_model_reply_is_shown_as_a_link_not_loaded(monkeypatch):
    from tests.openai_stub import OpenAIStub

    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")
    with OpenAIStub("image") as stub:
        at = use_server(start(), stub.url)
        send(at, "Hi, my phone screen is cracked")
        assert stub.requests, "the reply came from the loopback server"
    shown = [m.value for m in at.markdown if "status" in m.value]
    assert shown and all("![status]" not in v.replace("\\![", "") for v in shown)
    assert any("\\![status](http://127.0.0.1:9/x.png" in v for v in shown)


def test_a_thread_link_that_is_not_a_thread_id_starts_fresh_with_a_notice():
    at = start(thread="abc\x00def/../../etc")
    assert not at.exception
    assert any("doesn't match a saved conversation" in i.value for i in at.info)


def test_a_model_that_never_stops_calling_tools_gets_no_retry_button(monkeypatch):
    from tests.openai_stub import OpenAIStub

    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")
    with OpenAIStub("loop") as stub:
        at = use_server(start(), stub.url)
        send(at, "Hi, my phone screen is cracked")
    assert any("kept calling tools" in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Retry"]  # retrying can't help
