"""The terminal chat, driven through `main(argv, stdin, stdout)`."""

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support_agent.cli import Printer, format_args, main
from support_agent.core.engine import Token, ToolCall, TurnEnd
from support_agent.features.app_store import open_store
from tests.helpers import TUTORIAL, open_time_travel

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def offline_default(monkeypatch):
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)


def chat(*lines: str, argv: tuple[str, ...] = ()) -> tuple[int, str]:
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdout = io.StringIO()
    code = main(["chat", *argv], stdin, stdout)
    return code, stdout.getvalue()


def state_block(output: str) -> str:
    """The last `/state` report in the output."""
    return output.rsplit("Step: ", 1)[1].split("you> ", 1)[0]


def test_tutorial_turns_show_tools_transitions_and_final_state():
    code, out = chat(*TUTORIAL, "/state")

    assert code == 0
    assert "model offline" in out
    assert f"you> {TUTORIAL[0]}\n" in out  # piped input is echoed
    assert "agent> I can help" in out
    assert '  → record_warranty_status(status="in_warranty")\n' in out
    assert '  → record_issue_type(issue_type="hardware")\n' in out
    assert "  → provide_solution(solution=" in out
    moves = re.findall(r"^  ⇢ moved to (.+) via (\w+)$", out, re.M)
    assert moves == [
        ("Issue classification", "record_warranty_status"),
        ("Resolution", "record_issue_type"),
    ]
    # Transitions are printed in the order they happen, after their tool call.
    assert out.index("→ record_warranty_status") < out.index("⇢ moved to Issue classification")
    assert out.index("⇢ moved to Issue classification") < out.index("→ record_issue_type")

    report = state_block(out)
    assert report.startswith("Resolution (resolution_specialist)")
    assert "warranty_status: in_warranty" in report
    assert "issue_type: hardware" in report
    assert (
        "turn 2: Warranty verification → Issue classification via record_warranty_status" in report
    )
    assert "turn 2: Issue classification → Resolution via record_issue_type" in report
    assert "Turns: 4" in report


def test_state_before_any_turn_shows_the_first_step():
    code, out = chat("/state", "/quit", "never sent")
    assert code == 0
    report = state_block(out)
    assert report.startswith("Warranty verification (warranty_collector)")
    assert "warranty_status: (not recorded)" in report
    assert "Transitions: none yet" in report
    assert "never sent" not in out  # /quit stopped reading


def test_new_starts_a_fresh_thread():
    code, out = chat(TUTORIAL[0], TUTORIAL[1], "/new", "/state")
    assert code == 0
    ids = re.findall(r"^(?:Thread|New conversation, thread) (\S+)$", out, re.M)
    assert len(ids) == 2 and ids[0] != ids[1]
    report = state_block(out)
    assert report.startswith("Warranty verification")
    assert "Turns: 0, messages: 0" in report


def test_empty_and_bad_input_is_handled():
    code, out = chat("   ", "/nonsense", "\x00\x07", "x" * 5000)
    assert code == 0
    assert "Unknown command /nonsense" in out
    assert "input error: Type a message first" in out
    assert "input error: That message is 5,000 characters" in out
    assert "agent>" not in out


def test_bad_model_spec_is_reported_not_raised():
    code, out = chat("hello", argv=("--model", "gpt4"))
    assert code == 2
    assert "Can't start" in out and "provider:model" in out


def test_missing_key_is_reported(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("SUPPORT_AGENT_BASE_URL", raising=False)
    code, out = chat("hello", argv=("--model", "openai:gpt-4.1"))
    assert code == 2
    assert "OPENAI_API_KEY" in out and "--model" in out
    assert "sidebar" not in out and "secrets.toml" not in out  # words for a terminal


def test_db_and_thread_resume_a_conversation(tmp_path):
    db = tmp_path / "nested" / "chat.db"
    argv = ("--db", str(db), "--thread", "t-resume")
    code, out = chat(*TUTORIAL[:2], argv=argv)
    assert code == 0
    assert "store SQLite" in out
    assert f"Resume with: python -m support_agent chat --db {db} --thread t-resume" in out

    code, out = chat("/state", TUTORIAL[3], "/state", argv=argv)
    assert code == 0
    assert "Resuming thread t-resume: step Resolution, 10 messages so far." in out
    first_report = out.split("Step: ", 2)[1]
    assert first_report.startswith("Resolution (resolution_specialist)")
    assert "turn 2: Issue classification → Resolution via record_issue_type" in first_report
    # The next turn continues the saved conversation rather than starting over.
    assert "⇢ moved to" not in out
    assert "Book the free warranty repair" in out  # the repair, recalled from the saved case
    assert "Turns: 3" in state_block(out)

    with sqlite3.connect(db) as conn:
        threads = {row[0] for row in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    assert threads == {"t-resume"}


def test_other_threads_in_the_same_db_are_separate(tmp_path):
    db = str(tmp_path / "chat.db")
    chat(*TUTORIAL[:2], argv=("--db", db, "--thread", "a"))
    code, out = chat("/state", argv=("--db", db, "--thread", "b"))
    assert code == 0
    assert "Resuming" not in out
    assert state_block(out).startswith("Warranty verification")


def test_unusable_db_path_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, out = chat("hello", argv=("--db", str(blocker / "chat.db")))
    assert code == 2
    assert "Can't open the conversation store" in out


def test_long_tool_arguments_are_shortened():
    shown = format_args({"solution": "word " * 50, "n": 3})
    assert shown.startswith('solution="word word')
    assert '…", n=3' in shown
    assert len(shown) < 80


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "support_agent", "chat", "--model", "offline"],
        input=f"{TUTORIAL[0]}\n/quit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "SUPPORT_AGENT_MODEL": "", "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 0, result.stderr
    assert "agent> I can help" in result.stdout
    assert "warranty" in result.stdout


def test_provider_error_is_shown_and_retry_finishes_the_turn(monkeypatch):
    from tests.helpers import FlakyModel

    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")  # the failure reaches the customer
    model = FlakyModel(fail_on=frozenset({2}))  # the first model call of turn 2
    monkeypatch.setattr("support_agent.cli.get_model", lambda spec: model)
    # Counted calls are the agent's own: the guardrails' screening call is not this test's.
    monkeypatch.setattr("support_agent.cli.screening_model", lambda model: None)
    code, out = chat(*TUTORIAL[:2], "/retry", "/state")

    assert code == 0
    assert "  ! provider error: The model provider could not be reached (ConnectionError)" in out
    assert "    Type /retry to finish this turn." in out
    before_retry, after_retry = out.split("you> /retry\n", 1)
    assert "⇢ moved to" not in before_retry
    assert "⇢ moved to Resolution via record_issue_type" in after_retry
    report = state_block(out)
    assert report.startswith("Resolution")
    assert "Turns: 2, messages: 10" in report  # the message was not sent twice


@pytest.fixture
def stub(monkeypatch):
    """The loopback OpenAI-compatible server, as the operator's configured endpoint."""
    from tests.openai_stub import OpenAIStub

    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator-KEEP-OUT-0123456789")
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")
    with OpenAIStub() as server:
        monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", server.url)
        yield server


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("500", "  ! provider error: The model provider had an internal error (HTTP 500)"),
        ("down", "  ! provider error: The model provider could not be reached"),
    ],
)
def test_a_provider_that_is_down_is_explained_for_the_terminal(stub, monkeypatch, mode, words):
    if mode == "down":
        monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens
    else:
        stub.mode = mode
    code, out = chat(TUTORIAL[0], argv=("--model", "openai:stub"))
    assert code == 0
    assert words in out
    assert "    Type /retry to finish this turn." in out
    assert "sidebar" not in out.lower()


def test_a_rejected_key_names_the_variable_not_the_sidebar(stub):
    stub.mode = "401"
    code, out = chat(TUTORIAL[0], argv=("--model", "openai:stub"))
    assert code == 0
    assert "  ! config error: The model provider rejected the API key." in out
    assert "OPENAI_API_KEY" in out
    assert "sidebar" not in out.lower() and "Type /retry" not in out
    assert "sk-operator" not in out


def test_a_bug_of_ours_is_reported_without_its_traceback_and_logged(monkeypatch, caplog):
    from support_agent.workflows.support import provide_solution

    def broken_solution(solution: str) -> str:
        return {}["serial_number"]

    monkeypatch.setattr(provide_solution, "func", broken_solution)
    code, out = chat(*TUTORIAL[:2])

    assert code == 0
    assert "  ! internal error: Something went wrong on our side" in out
    assert "The log on stderr has the details." in out
    assert "Traceback" not in out and "KeyError" not in out
    assert "Type /retry" not in out and "provider" not in out.split("internal error", 1)[1]
    (record,) = [r for r in caplog.records if r.name == "support_agent.core.errors"]
    assert "in broken_solution" in record.getMessage()


def test_the_entry_point_configures_logging(monkeypatch):
    configured = []
    monkeypatch.setattr("support_agent.cli.logs.configure", lambda: configured.append(True))
    chat("/quit")
    assert configured == [True]


def test_model_text_cannot_drive_the_terminal():
    stream = io.StringIO()
    printer = Printer(stream)
    for event in [
        Token("Hello \x1b[2J\x1b]0;pwned\x07there\r\n"),
        ToolCall("c1", "provide_solution", {"solution": "\x1b[31mred\x9b"}),
        Token("bye\tnow"),
        TurnEnd(),
    ]:
        printer.event(event)
    out = stream.getvalue()
    assert not [c for c in out if ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) <= 0x9F]
    assert out.splitlines() == [
        "agent> Hello [2J]0;pwnedthere",
        '  → provide_solution(solution="\\u001b[31mred")',  # JSON-escaped, so printable
        "agent> bye\tnow",
    ]


def test_a_file_that_is_not_a_database_is_reported(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 50)
    code, out = chat("/state", "hello", argv=("--db", str(bogus)))
    assert code == 2  # said at the start, through the same store the app opens
    assert f"Can't open the conversation store {str(bogus)!r}" in out
    assert "agent>" not in out
    assert bogus.read_text().startswith("these are my notes")  # left as it was


def test_handoffs_workflow_from_the_terminal():
    code, output = chat(
        "Hi, I'm having trouble with my account login. Can you help?",
        "How much is the premium plan?",
        "/state",
        argv=("--workflow", "handoffs"),
    )
    assert code == 0
    assert "Sales ↔ support handoffs" in output
    assert "⇢ moved to Support agent via transfer_to_support" in output
    assert "⇢ moved to Sales agent via transfer_to_sales" in output
    assert state_block(output).startswith("Sales agent (sales_agent)\nTransitions:")
    # The handing-over line and the new agent's answer are separate replies.
    assert re.search(r"handing you over to them now\.\nagent> ", output)


def test_a_terminal_chat_kept_with_db_is_on_the_threads_page_with_rewinds_and_ticket(
    tmp_path, monkeypatch
):
    """The terminal chat goes through the same conversation service as the chat page:
    a `--db` chat is listed on Threads, with a rewind point per turn and the ticket its
    hand-over opened."""
    db = tmp_path / "shared.db"
    said = ["Hi, my phone screen is cracked", "Yes, it's still under warranty",
            "I want to talk to a human"]  # fmt: skip
    code, out = chat(*said, argv=("--db", str(db), "--thread", "from-the-terminal"))
    assert code == 0
    assert "  ✉ ticket T-1001 opened" in out

    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{db}")
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at.switch_page("app_pages/threads.py").run()
    assert not at.exception, at.exception
    titles = [m.value for m in at.main.markdown if m.value.startswith("**")]
    assert len(titles) == 1 and "Phone screen is cracked" in titles[0]
    [open_it] = [b for b in at.button if b.label == "Open in chat"]
    open_it.click().run()
    at.switch_page("app_pages/chat.py").run()  # AppTest follows st.switch_page this way
    assert not at.exception, at.exception
    assert at.query_params["thread"] == "from-the-terminal"
    # Each turn recorded its rewind point: the timeline is drawn without a full read.
    open_time_travel(at)
    assert not [b for b in at.button if b.label == "Load the timeline"]
    assert len([b for b in at.button if b.label == "Rewind here"]) == len(said)

    at.switch_page("app_pages/tickets.py").run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("**🎫 T-1001") for m in at.main.markdown)


def test_a_terminal_chat_on_a_thread_answering_elsewhere_is_told_to_send_again(tmp_path):
    """The terminal chat takes the thread's lease like the chat page: while another
    window's turn holds it, the message is refused and nothing of it is kept."""
    db = tmp_path / "shared.db"
    chat("Hi, my phone screen is cracked", argv=("--db", str(db), "--thread", "shared"))
    store = open_store(f"sqlite:///{db}")
    try:
        with store.leases.hold("shared"):  # a browser tab's turn is running
            code, out = chat("Yes, it's under warranty", "/state",
                             argv=("--db", str(db), "--thread", "shared"))  # fmt: skip
    finally:
        store.close()
    assert code == 0
    assert "answering another message right now" in out
    assert "Send your message again once that reply is in." in out
    assert "/retry" not in out.split("answering another message", 1)[1].split("you> ", 1)[0]
    assert "Turns: 1, messages: 2" in state_block(out)  # the refused message was not kept
