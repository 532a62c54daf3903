"""What the conversation store costs: per turn, and to open a long thread.

For each store the app supports (`memory://`, SQLite, PostgreSQL — a
throwaway server from Debian's package, as the tests start it) this plays a
conversation through `run_turn` with the offline model, then reopens the store
(as a restarted app server would) and times opening a 200-turn thread the
way the chat page does: state, transcript, diagram, time-travel turns and
branches. Prints a Markdown table; nothing here asserts on time.

    python bench/store_overhead.py [--turns 200] [--stores memory sqlite postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support_agent import build_support_agent  # noqa: E402
from support_agent.core.diagram import dot_source  # noqa: E402
from support_agent.core.engine import TurnEnd, new_thread_id, run_turn, thread_config  # noqa: E402
from support_agent.core.state_view import transcript  # noqa: E402
from support_agent.core.timeline import Timeline  # noqa: E402
from support_agent.features.app_store import open_store  # noqa: E402
from support_agent.workflows.support import SUPPORT  # noqa: E402

OPENING = ["Hi, my phone screen is cracked", "Yes, it's still under warranty"]
FOLLOW_UPS = ["What should I do?", "How long will the repair take?", "Do I need the receipt?"]


def conversation(n: int) -> list[str]:
    return OPENING + [FOLLOW_UPS[i % len(FOLLOW_UPS)] for i in range(n - len(OPENING))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def bench_store(name: str, url: str, n_turns: int) -> str:
    store = open_store(url)
    graph = build_support_agent("offline", store.checkpointer)
    thread = new_thread_id()
    per_turn = []
    for text in conversation(n_turns):
        start = time.perf_counter()
        events = list(run_turn(graph, SUPPORT, thread, text))
        per_turn.append(time.perf_counter() - start)
        if not isinstance(events[-1], TurnEnd):
            raise SystemExit(f"{name}: a turn failed: {events[-1]}")
    if name != "memory":  # memory can't be reopened: it lives in this process
        store.close()
        store = open_store(url)
        graph = build_support_agent("offline", store.checkpointer)

    start = time.perf_counter()
    state = dict(graph.get_state(thread_config(thread)).values)
    state_s = time.perf_counter() - start
    start = time.perf_counter()
    transcript(state)
    dot_source(SUPPORT, state)
    view_s = time.perf_counter() - start
    start = time.perf_counter()
    timeline = Timeline(graph, thread)
    points = timeline.turns()
    timeline.branches()
    travel_s = time.perf_counter() - start
    store.close()
    assert len(points) == n_turns, (len(points), n_turns)
    per_turn.sort()
    p95 = per_turn[max(0, round(0.95 * len(per_turn)) - 1)]
    return (
        f"| {name} | {n_turns} | {ms(statistics.mean(per_turn))} | {ms(p95)} | {ms(state_s)} "
        f"| {ms(view_s)} | {ms(travel_s)} | {ms(state_s + view_s + travel_s)} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--stores", nargs="+", default=["memory", "sqlite", "postgres"])
    args = parser.parse_args(argv)
    rows = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for name in args.stores:
            if name == "memory":
                url = "memory://"
            elif name == "sqlite":
                url = f"sqlite:///{tmp / 'bench.db'}"
            else:
                from tests.pg import fresh_database, postgres_server

                url = fresh_database(stack.enter_context(postgres_server()))
            rows.append(bench_store(name, url, args.turns))
            print(f"done: {name}", file=sys.stderr)
    print(
        "| store | turns | mean ms/turn | p95 ms/turn | open: state ms | open: transcript + diagram ms | open: time travel ms | open total ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
