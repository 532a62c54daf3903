"""Every speed number of the app, each beside its reference, from one run (bench/README.md).

Each row is measured in this run next to its reference; "ratio" is the ratio of medians over
interleaved rounds, "spread" the lowest and highest per-round value; every turn uses the
offline model, so the numbers are what the app itself costs around a model.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import page_rerun  # noqa: E402
import remote_turns  # noqa: E402
import room  # noqa: E402
from langchain_core.messages import HumanMessage  # noqa: E402
from langchain_core.messages.utils import count_tokens_approximately  # noqa: E402
from langgraph.checkpoint.memory import InMemorySaver  # noqa: E402
from tutorial_agent import TURNS as TUTORIAL  # noqa: E402
from tutorial_agent import tutorial_agent  # noqa: E402

from support_agent.core import timeline  # noqa: E402
from support_agent.core.engine import (  # noqa: E402
    TurnEnd,
    decide,
    new_thread_id,
    run_turn,
    thread_config,
)
from support_agent.features.app_store import open_store  # noqa: E402
from support_agent.models import OfflineChatModel  # noqa: E402
from support_agent.service.conversation import Conversation  # noqa: E402
from support_agent.workflows import get_workflow  # noqa: E402
from support_agent.workflows.builders import build_graph  # noqa: E402

SUPPORT = get_workflow("support")
ROWS: list[tuple[str, str, str, str, str]] = []


def row(measure: str, value: str, reference: str, result: str, spread: str = "") -> None:
    ROWS.append((measure, value, reference, result, spread))
    print(f"  {measure}: {value} (reference {reference}) {result} {spread}", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def span(times: list[float]) -> str:
    return f"{min(times) * 1000:.0f}–{max(times) * 1000:.0f} ms"


def beside(measure: str, times: list, reference: str, base: list, goal: str = "", spread=""):
    """A row of `times` beside the reference's: the ratio of medians, the rounds' spread."""
    ours, theirs = statistics.median(times), statistics.median(base)
    ratios = [a / b for a, b in zip(times, base, strict=True)]
    spread = spread or f"{min(ratios):.2f}–{max(ratios):.2f}×"
    row(measure, ms(ours), f"{reference}: {ms(theirs)}", f"{ours / theirs:.2f}×{goal}", spread)


def per_turn(name: str, url: str | None, page_path: bool, threads: int) -> float:
    """The tutorial's turns, by its own agent as it writes it (`url` None: on
    `InMemorySaver`) or (`page_path`) by the chat page's path, on the store at `url`."""
    store = open_store(url) if url else None
    saver = store.checkpointer if store else InMemorySaver()
    if page_path:  # as the chat page: built once, shared by every session
        graph = build_graph("support", OfflineChatModel(), saver)
        # As the page: approvals off (the default), its turns run without the review.
        lean = build_graph("support", OfflineChatModel(), saver, approvals=False)
    else:
        graph = tutorial_agent(saver)
    times = []
    try:
        for _ in range(threads):
            thread = new_thread_id()
            for text in TUTORIAL:
                start = time.perf_counter()
                if not page_path:
                    graph.invoke({"messages": [HumanMessage(text)]}, thread_config(thread))
                    times.append(time.perf_counter() - start)
                    continue
                # The page's path: the conversation service (lease, run, after-turn records).
                talk = Conversation(store, graph, SUPPORT, thread, lean=lean)
                state = {} if text == TUTORIAL[0] else None  # as the page knows its state
                # The offline model answers at once: no token streaming.
                events = list(talk.send(text, state=state, stream_tokens=False))
                times.append(time.perf_counter() - start)
                if not isinstance(events[-1], TurnEnd):
                    raise RuntimeError(f"{name}: {events[-1]}")
    finally:
        if store is not None:
            store.close()
    return statistics.median(times)


def turn_cost(rounds: int, threads: int, with_postgres: bool, tmp: Path) -> None:
    print("turn cost", flush=True)
    sqlite = f"sqlite:///{tmp / 'turns.db'}"
    variants = {  # (name, store, the chat page's path or the tutorial agent)
        "reference": ("tutorial agent, InMemorySaver, invoke", None, False),
        "page_sqlite": ("chat page path, SQLite on disk", sqlite, True),
        "page_memory": ("chat page path, memory", "memory://", True),
        "bare_sqlite": ("tutorial agent, SQLite on disk, invoke", sqlite, False),
    }
    results: dict[str, list[float]] = {}
    with ExitStack() as stack:
        if with_postgres:
            from tests.pg import fresh_database, postgres_server

            admin = stack.enter_context(postgres_server())
            for name, page in (("page_postgres", True), ("bare_postgres", False)):
                label = (
                    "chat page path, PostgreSQL" if page else "tutorial agent, PostgreSQL, invoke"
                )
                variants[name] = (label, fresh_database(admin), page)
        for _ in range(rounds):  # interleaved: every variant once per round
            for name, variant in variants.items():
                results.setdefault(name, []).append(per_turn(*variant, threads))

    def compare(name: str, reference: str, goal: str = "") -> None:
        names = variants[name][0], variants[reference][0]
        beside(f"turn: {names[0]}", results[name], names[1], results[reference], goal)

    compare("page_sqlite", "reference", " (goal ≤ 1.0×)")
    compare("page_memory", "reference")
    compare("page_sqlite", "bare_sqlite")
    if "page_postgres" in results:
        compare("page_postgres", "reference")
        compare("page_postgres", "bare_postgres")


def approval_cost(rounds: int, threads: int, tmp: Path) -> None:
    print("approvals", flush=True)
    store = open_store(f"sqlite:///{tmp / 'approvals.db'}")
    graph = build_graph("support", OfflineChatModel(), store.checkpointer)
    flow = get_workflow("support")
    ask = "I want to talk to a real person please"

    def hand_over(approvals: bool) -> float:
        times = []
        for _ in range(threads):
            thread = new_thread_id()
            list(run_turn(graph, flow, thread, "My phone is under warranty", stream_tokens=False,
                          first_turn=True))  # fmt: skip
            start = time.perf_counter()
            events = list(run_turn(graph, flow, thread, ask, stream_tokens=False,
                                   first_turn=False, approvals=approvals))  # fmt: skip
            if approvals:
                events = list(decide(graph, flow, thread, events[-1].waiting, "approve",
                                     stream_tokens=False))  # fmt: skip
            times.append(time.perf_counter() - start)
            if not isinstance(events[-1], TurnEnd) or events[-1].waiting is not None:
                raise RuntimeError(f"the hand-over did not finish: {events[-1]}")
        return statistics.median(times)

    paused, plain = [], []
    try:
        for _ in range(rounds):
            paused.append(hand_over(True))
            plain.append(hand_over(False))
    finally:
        store.close()
    label = "hand-over paused for approval, then approved (engine, SQLite on disk)"
    beside(label, paused, "the same hand-over with approvals off", plain)


class Recording(OfflineChatModel):
    """The offline model, noting the largest input it was given (streamed or not)."""

    largest: int = 0

    def _plan(self, messages, tools):
        self.largest = max(self.largest, count_tokens_approximately(messages))
        return super()._plan(messages, tools)


def long_thread(rounds: int, tmp: Path) -> None:
    print("long threads", flush=True)
    reruns: dict[int, list[float]] = {}
    for turns in (4, 50, 200):
        path = tmp / f"long-{turns}.db"
        url = f"sqlite:///{path}"
        os.environ["HANDOFF_DB_URL"] = url
        page_rerun.write_thread(url, f"t{turns}", turns)
        reruns[turns] = page_rerun.rerun_times(f"t{turns}", rounds)
    for turns, times in reruns.items():
        label = f"page rerun at {turns} turns (AppTest, SQLite)"
        beside(label, times, "4 turns", reruns[4], " (goal ≤ 150 ms, flat)", span(times))
    time_travel_and_storage(rounds, tmp)
    largest_model_input()


def time_travel_and_storage(rounds: int, tmp: Path) -> None:
    store = open_store(f"sqlite:///{tmp / 'long-200.db'}")
    graph = build_graph("support", OfflineChatModel(), store.checkpointer)

    def open_time_travel() -> list:
        latest = store.checkpointer.get_tuple(thread_config("t200"))
        latest_id = latest.config["configurable"]["checkpoint_id"]
        recorded = store.turn_points.of("t200")
        return timeline.read(graph, "t200", recorded, latest_id, "current_step").turns()

    opened, walked = [], []
    for _ in range(rounds):  # interleaved with the reference: the whole history
        start = time.perf_counter()
        points = open_time_travel()
        opened.append(time.perf_counter() - start)
        start = time.perf_counter()
        timeline.Timeline(graph, "t200").turns()
        walked.append(time.perf_counter() - start)
    assert len(points) == 200, len(points)
    checkpoints = len(list(graph.get_state_history(thread_config("t200"))))
    store.close()
    label = "time travel: open a 200-turn thread's rewind points"
    beside(label, opened, "reading the whole history", walked, " (goal ≤ 300 ms)", span(opened))
    files = tmp.glob("long-200.db*")  # the database and any write-ahead log
    size = sum(f.stat().st_size for f in files) / 1e6
    row(
        "storage of a 200-turn thread (SQLite file)",
        f"{size:.2f} MB",
        "goal 2 MB",
        f"{checkpoints} checkpoints, every turn a rewind point",
    )


def largest_model_input() -> None:
    # Given its rules now: a model built without them is copied when the graph is
    # built, and the copy's inputs would go unrecorded.
    model = Recording(rules=SUPPORT.offline_rules)
    graph = build_graph("support", model, InMemorySaver())
    thread = new_thread_id()
    texts = TUTORIAL + ["How long does the repair take?", "ok", "Where do I go?"] * 66
    for text in texts[:200]:
        list(run_turn(graph, SUPPORT, thread, text))
    row(
        "largest model input over 200 turns",
        f"{model.largest} tokens",
        "summarization trigger 4000 tokens",
        "NOT MEASURED" if not model.largest else "bounded" if model.largest < 6000 else "GROWS",
    )


def browser_room(tmp: Path, think: float = 5.0) -> None:
    print("room of browsers", flush=True)
    for sessions, pause, on_app, on_bare, lost in room.compare(tmp, [10, 20, 30], think, 30):
        app, bare = on_app.times(), on_bare.times()
        pace = f"{pause:.0f} s between turns" if pause else "no pause between turns"
        goal = " (goal ≤ 1.5×)" if sessions == 30 and pause else ""
        row(
            f"{sessions} browsers × 5 turns, send to reply shown ({pace})",
            f"p95 {ms(room.p(app, 0.95))}",
            f"bare chat page: p95 {ms(room.p(bare, 0.95))}",
            f"{room.p(app, 0.95) / room.p(bare, 0.95):.2f}×{goal}; {on_app.errors} errors, "
            f"{lost} lost turns",
            f"p50 {ms(room.p(app, 0.5))} / {ms(room.p(bare, 0.5))}; "
            f"page done p95 {ms(room.p(on_app.times('done'), 0.95))}",
        )


def browser(rounds: int, tmp: Path) -> None:
    print("browser", flush=True)
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server

    url = f"sqlite:///{tmp / 'browser.db'}"
    page_rerun.write_thread(url, "t200", 200)
    env = {"HANDOFF_DB_URL": url, "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as server, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with streamlit_server({}, script="bench/bare_app.py") as bare:
            new_sessions(chromium, server, bare, rounds)
        reply_times(chromium, server, "new conversation", rounds)
        reply_times(chromium, server + "/?thread=t200", "200-turn thread", rounds)
        chromium.close()


def _ready(page, address: str) -> float:
    """Seconds from opening `address` to a chat input that takes text."""
    from playwright.sync_api import expect

    start = time.perf_counter()
    page.goto(address)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled(timeout=60_000)
    return time.perf_counter() - start


def new_sessions(chromium, server: str, bare: str, rounds: int) -> None:
    warm = chromium.new_page()
    _ready(warm, server)  # the first page load also starts the app's caches
    _ready(warm, bare)
    sessions, floor, tabs = [], [], []
    returning = chromium.new_context()  # a visitor whose browser has the app cached
    _ready(returning.new_page(), server)
    for _ in range(rounds):  # interleaved with a page that has only a chat input
        for times, opener, address in (
            (sessions, chromium, server),  # a new browser profile: nothing cached
            (floor, chromium, bare),
            (tabs, returning, server),
        ):
            page = opener.new_page()
            times.append(_ready(page, address))
            page.close()
    returning.close()
    label = "new browser session (nothing cached) to a usable chat input"
    floor_label = "a Streamlit page with only a chat input"
    beside(label, sessions, floor_label, floor, " (goal ≤ 1.5 s)", span(sessions))
    row(
        "new tab of a browser that has the app cached",
        ms(statistics.median(tabs)),
        "goal 1.5 s",
        "",
        span(tabs),
    )


def reply_times(chromium, address: str, label: str, rounds: int) -> None:
    from playwright.sync_api import expect

    page = chromium.new_page()
    _ready(page, address)
    waits = []
    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    for i in range(rounds):
        expect(idle).to_have_count(1, timeout=60_000)
        text = f"{['How long does the repair take?', 'ok', 'Where do I go?'][i % 3]} ({i})"
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill(text)
        start = time.perf_counter()
        box.press("Enter")
        # shown: the customer's bubble, then an agent's reply after it
        bubbles = page.get_by_test_id("stChatMessage")
        expect(bubbles.filter(has_text=text)).to_have_count(1, timeout=60_000)
        last = bubbles.last
        expect(last.get_by_test_id("stChatMessageAvatarUser")).to_have_count(0)
        expect(last).not_to_be_empty(timeout=60_000)
        waits.append(time.perf_counter() - start)
    page.close()
    waits.sort()
    row(
        f"Enter to reply shown, {label}",
        f"p95 {ms(waits[int(0.95 * (len(waits) - 1))])}",
        "goal p95 ≤ 500 ms",
        "",
        f"median {ms(statistics.median(waits))}",
    )


def on_agent_server(tmp: Path, url: str | None = None, sessions: int = 5) -> None:
    """The tutorial on `langgraph dev` (started here unless `url`) and in process."""
    print("agent server", flush=True)
    if url is None:
        from tests.agent_server import langgraph_dev

        with langgraph_dev(tmp) as started:
            return on_agent_server(tmp, started, sessions)
    found = remote_turns.both(url, sessions=sessions, together=20)
    here, there = found["in process"], found["on server"]
    row(
        "turn on the agent server (langgraph dev, in-memory runtime)",
        ms(there.median),
        f"in process, memory: {ms(here.median)}",
        f"{there.median / here.median:.1f}×",
    )
    row(
        "20 sessions at once on the agent server: p95 per turn",
        ms(there.p95),
        f"in process, 20 at once: {ms(here.p95)}",
        f"{there.errors} errors of {there.turns} turns",
    )


def main() -> None:
    sections: dict[str, Callable[[Path], None]] = {  # each given a fresh temporary folder
        "turns": lambda t: turn_cost(args.rounds, args.threads, postgres, t),
        "approvals": lambda t: approval_cost(args.rounds, 10, t),
        "long": lambda t: long_thread(args.rounds, t),
        "room": browser_room,
        "browser": lambda t: browser(args.rounds, t),
        "remote": lambda t: on_agent_server(t, args.agent_url),
    }
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=30, help="threads per turn-cost round")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["browser", "postgres", "room", "remote"]
    )
    parser.add_argument("--agent-url", help="a running langgraph dev (else one is started)")
    parser.add_argument("--only", nargs="*", default=[], choices=[*sections, "postgres"])
    args = parser.parse_args()
    os.environ.setdefault("HANDOFF_REFERENCE_DATE", "2026-06-15")
    postgres = "postgres" not in args.skip and (not args.only or "postgres" in args.only)
    for name, run in sections.items():
        if name in args.skip or (args.only and name not in args.only):
            continue
        with tempfile.TemporaryDirectory(prefix="handoff-bench-") as tmp:
            run(Path(tmp))
    print(f"\n{sys.platform}, {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
    print("| measure | value | reference | ratio / result | spread |")
    print("|---|---:|---|---|---|")
    for measure, value, reference, result, spread in ROWS:
        print(f"| {measure} | {value} | {reference} | {result} | {spread} |")


if __name__ == "__main__":
    main()
