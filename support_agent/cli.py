"""A small terminal chat on the conversation service: `python -m support_agent chat`.

With `--db PATH` the conversation is kept in the app's SQLite store, so `--thread ID` resumes
it and the app opened on that file lists it (the thread's lease keeps the two from writing at
once). Errors are said for someone at a terminal, who changes settings with variables and flags.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from langchain_core.language_models import BaseChatModel

from support_agent import scenario_cli
from support_agent.base import logs
from support_agent.base.oneline import clip
from support_agent.core import engine
from support_agent.core.declaration import Workflow, is_handover
from support_agent.core.engine import Error, describe_failure, new_thread_id
from support_agent.core.errors import Cause, Kind
from support_agent.core.state_view import facts
from support_agent.features.app_store import AppStore, open_store
from support_agent.models import (
    KEY_VARS,
    MODEL_ENV,
    MODEL_SPEC_HELP,
    ModelConfigError,
    OfflineChatModel,
    default_model_spec,
    get_model,
)
from support_agent.service.backend import Backend, Snapshot, choose
from support_agent.service.conversation import Conversation, ServiceEvent, TicketsOpened
from support_agent.service.remote import configured_server
from support_agent.store.storage import StoreUnavailable
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph, screening_model

PROMPT = "you> "
AGENT = "agent> "
ARG_LIMIT = 60  # characters of one tool argument shown in a tool-call line
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n

HELP = """Commands:
  /state   current step, recorded facts and the transition history
  /new     start a new conversation (a new thread)
  /retry   finish a turn that failed part-way (your message is kept)
  /help    this list
  /quit    leave (end of input does too)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m support_agent", description="Handoff Studio from the terminal."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chat = commands.add_parser(
        "chat",
        help="chat with a workflow (support state machine, or sales/support handoffs)",
        description="Chat with a Handoff Studio workflow in the terminal.",
    )
    chat.add_argument("--model", help=MODEL_SPEC_HELP)
    chat.add_argument(
        "--workflow",
        choices=sorted(WORKFLOWS),
        default="support",
        help="which workflow to chat with (default: support)",
    )
    chat.add_argument("--thread", help="thread id to continue (default: a new thread)")
    chat.add_argument(
        "--db",
        metavar="PATH",
        help="SQLite file that keeps conversations, so --thread can resume one later",
    )
    scenario_cli.add_to(commands)
    return parser


class Printer:
    """Writes events, keeping streamed text and notes on separate lines."""

    def __init__(self, out: TextIO, model_spec: str = ""):
        self.out = out
        self.model_spec = model_spec  # which model's settings an error is about
        self.mid_line = False
        self.replying = False  # the "agent> " prefix of the current reply is out
        self.speaker = ""  # in a graph of agents, who is talking

    def write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.mid_line = not text.endswith("\n")
            self.out.flush()

    def line(self, text: str = "") -> None:
        self.end_line()
        self.write(text + "\n")

    def end_line(self) -> None:
        if self.mid_line:
            self.write("\n")

    def note(self, text: str) -> None:
        """A line between stretches of the agent's text; the next token opens a new reply."""
        self.line(text)
        self.replying = False

    def event(self, event: ServiceEvent) -> None:
        match event:
            case engine.Token():
                if event.agent != self.speaker:  # another agent took over mid-reply
                    self.speaker, self.replying = event.agent, False
                if not self.replying:
                    self.end_line()
                    self.write(AGENT)
                    self.replying = True
                self.write(terminal_safe(event.text))
            case engine.ToolCall():
                self.note(f"  → {event.name}({format_args(event.args)})")
            case engine.ToolResult(ok=False):
                failed = clip(terminal_safe(str(event.content)), 200)
                self.note(f"  ✗ {event.name or 'tool'} failed: {failed}")
            case engine.Transition() if is_handover(event.record):
                self.note(f"  ⇢ handed over to a person at {event.source_title}")
            case engine.Transition():
                self.note(f"  ⇢ moved to {event.target_title} via {event.tool}")
            case Error():
                self.note(f"  ! {event.kind} error: {words(event, self.model_spec)}")
                if event.cause == Cause.BUSY:  # nothing of this message was kept
                    self.note("    Send your message again once that reply is in.")
                elif event.retryable:
                    self.note("    Type /retry to finish this turn.")
            case TicketsOpened():
                for ticket in event.tickets:
                    self.note(f"  ✉ ticket {ticket.id} opened: the support team will reply here.")
            case engine.TurnEnd():
                self.end_line()


def words(error: Error, model_spec: str = "") -> str:
    if error.cause == Cause.MISSING_KEY:
        return (
            f"No API key for {error.facts.get('provider')}: set {error.facts.get('variable')} "
            "in the environment, or choose another model with --model (offline needs no key)."
        )
    variable = KEY_VARS.get(model_spec.partition(":")[0].strip().lower())
    key = f"the key in {variable}" if variable else "the provider's API key variable"
    model = f"the name given with --model or {MODEL_ENV} (provider:model)"
    internal = "The log on stderr has the details. Try again, or type /new if this keeps happening."
    advice = (
        {
            Cause.KEY_REJECTED: f"Check {key}, then start again (with --db, --thread resumes this chat).",
            Cause.UNKNOWN_MODEL: f"Check {model}.",
            Cause.SETTINGS_REFUSED: f"Check {key} and {model}.",
            Cause.TOOL_LOOP: "Rephrase your message, try another --model, or type /new.",
            Cause.STORE_UNAVAILABLE: "Check the database file given with --db.",
            Cause.MISSING_FACTS: "Type /new to start a new conversation.",
            Cause.AWAITING_APPROVAL: "Decide it in the app's chat (an operator can open it from "
            "the Tickets page), or type /new.",
        }.get(error.cause)
        or error.advice
        or (internal if error.kind == Kind.INTERNAL else "")
    )
    return f"{error.message} {advice}".strip()


def terminal_safe(text: str) -> str:
    """Text without control characters (escape sequences could drive the terminal)."""
    return _CONTROL.sub("", text)


def format_args(args: dict[str, Any]) -> str:
    parts = []
    for key, value in args.items():
        shown = terminal_safe(json.dumps(value, ensure_ascii=False))
        if len(shown) > ARG_LIMIT:
            shown = shown[: ARG_LIMIT - 2] + '…"' if shown.startswith('"') else shown[:ARG_LIMIT]
        parts.append(f"{key}={shown}")
    return ", ".join(parts)


def describe_state(workflow: Workflow, values: dict[str, Any]) -> list[str]:
    step = workflow.current(values)
    lines = [f"Step: {workflow.step(step).title} ({step})"]
    lines += ["Facts:"] if workflow.fact_keys else []
    lines += [
        f"  {fact}: {'(not recorded)' if v is None else v}"
        for fact, v in facts(workflow, values).items()
    ]
    history = values.get("transitions") or []
    lines.append("Transitions:" if history else "Transitions: none yet")
    for record in history:
        source = workflow.step(record["source"]).title
        target = workflow.step(record["target"]).title
        reason = f" ({record['reason']})" if record.get("reason") else ""
        lines.append(
            f"  turn {record.get('turn', '?')}: {source} → {target} via {record['tool']}{reason}"
        )
    lines.append(f"Turns: {values.get('turn') or 0}, messages: {len(values.get('messages') or [])}")
    return lines


class Chat:
    def __init__(self, talk: Conversation, out: Printer, runs: Backend):
        self.talk, self.out, self.runs = talk, out, runs

    def saved(self) -> Any:
        return self.runs.read(self.talk.workflow.name, self.talk.thread_id)

    def turn(self, text: str | None, *, resume: bool = False) -> None:
        self.out.replying = False
        try:
            for event in self.talk.send(text, resume=resume):
                self.out.event(event)
        except KeyboardInterrupt:
            self.out.line("  ! interrupted. Type /retry to finish this turn.")
        self.out.end_line()

    def command(self, line: str) -> bool:
        name = line.split()[0].lower()
        if name in ("/quit", "/exit"):
            return False
        if name == "/state":
            try:
                values = self.saved().values
            except Exception as exc:  # noqa: BLE001 - a broken store is reported, not raised
                self.out.event(describe_failure(exc))
                return True
            for text in describe_state(self.talk.workflow, values):
                self.out.line(text)
        elif name == "/new":
            self.talk.thread_id = new_thread_id()
            self.out.line(f"New conversation, thread {self.talk.thread_id}")
        elif name == "/retry":
            self.turn(None, resume=True)
        elif name == "/help":
            self.out.line(HELP)
        else:
            self.out.line(f"Unknown command {name}.")
            self.out.line(HELP)
        return True

    def loop(self, stdin: TextIO, echo: bool) -> None:
        while True:
            self.out.write(PROMPT)
            try:
                line = stdin.readline()
            except KeyboardInterrupt:
                line = ""
            if not line:  # end of input
                self.out.end_line()
                return
            line = line.rstrip("\r\n")
            if echo:  # piped input: show what was sent, as a terminal would
                self.out.write(line + "\n")
            else:  # the terminal echoed the line and its newline
                self.out.mid_line = False
            if line.strip().startswith("/"):
                if not self.command(line.strip()):
                    return
            elif line.strip():
                self.turn(line)


def _graph(workflow: Workflow, model: BaseChatModel, records: AppStore, approvals: bool) -> Any:
    screen = screening_model(model)
    graph = build_graph(
        workflow.name, model, records.checkpointer, screen_with=screen, approvals=approvals
    )
    # Every checkpoint names its workflow, so the app reopens the thread right.
    return graph.with_config(metadata={"workflow": workflow.name})


def _opening(out: Printer, workflow: Workflow, thread: str, saved: Snapshot) -> None:
    if saved.values.get("messages"):
        step = workflow.step(workflow.current(saved.values)).title
        out.line(
            f"Resuming thread {thread}: step {step}, "
            f"{len(saved.values['messages'])} messages so far."
        )
        if saved.next:  # its last turn failed part-way
            out.line("Its last turn did not finish: type /retry to complete it.")
    else:
        out.line(f"Thread {thread}")
    out.line("Type a message, or /help for commands.")


def chat(args: argparse.Namespace, stdin: TextIO, out: Printer) -> int:
    workflow = WORKFLOWS[args.workflow]
    server = configured_server()  # HANDOFF_AGENT_URL: the agents answer there, not here
    spec = "the agent server's" if server else args.model or default_model_spec()
    out.model_spec = spec
    try:
        model = None if server else get_model(spec)
    except ModelConfigError as exc:
        out.line(f"Can't start: {words(describe_failure(exc), spec)}")
        return 2
    with ExitStack() as stack:
        try:
            # The app's own store, so both read one file; without a path, one in memory.
            records = open_store(
                f"sqlite:///{Path(args.db).expanduser()}" if args.db else "memory://"
            )
            stack.callback(records.close)
        except StoreUnavailable as exc:
            out.line(f"Can't open the conversation store {args.db!r}: {exc}")
            return 2
        if server:
            graph = lean = None
            stack.callback(server.close)
        else:  # the terminal's turns ask no person: they run on the graph without the review
            graph, lean = (
                _graph(workflow, model, records, approvals) for approvals in (True, False)
            )
        runs = choose(records, lambda _name: graph, server)
        thread = args.thread or new_thread_id()
        session = Chat(
            runs.conversation(workflow, thread, "local", lambda: (graph, lean)), out, runs
        )
        store = f"SQLite {args.db}" if args.db else "memory (lost on exit; use --db to keep it)"
        where = f" · agents on {server.url}" if server else ""
        out.line(f"{workflow.title} · model {spec} · store {store}{where}")
        if isinstance(model, OfflineChatModel):
            out.line("The offline demo model follows built-in rules and needs no key.")
        try:
            saved = session.saved() if args.thread else Snapshot()
        except sqlite3.Error as exc:
            out.line(f"Can't read the conversation store {args.db!r}: {exc}")
            return 2
        except Exception as exc:  # noqa: BLE001 - the agent server can't be read
            if not server:
                raise
            out.line(f"Can't start: {words(session.talk.failure(exc), spec)}")
            return 2
        _opening(out, workflow, thread, saved)
        session.loop(stdin, echo=not stdin.isatty())
        if args.db:
            out.line(
                f"Resume with: python -m support_agent chat --db {args.db} "
                f"--thread {session.talk.thread_id}"
            )
    return 0


def main(
    argv: list[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    logs.configure()
    args = build_parser().parse_args(argv)
    scenario_cli.utf8_safe(stdout := stdout or sys.stdout)
    if args.command == "scenarios":
        scenario_cli.utf8_safe(sys.stderr)
        return scenario_cli.run(args, stdout, sys.stderr)
    return chat(args, stdin if stdin is not None else sys.stdin, Printer(stdout))
