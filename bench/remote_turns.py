"""Turn cost on LangGraph's server beside in process, and 20 sessions at once: the rows of
`bench/run_all.py --only remote` (`--agent-url` for a running `langgraph dev` of this
repository's langgraph.json with the offline model; else one is started).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HANDOFF_REFERENCE_DATE", "2026-06-15")

from tutorial_agent import TURNS as TUTORIAL  # noqa: E402

from support_agent.core.engine import TurnEnd, new_thread_id  # noqa: E402
from support_agent.features.app_store import open_store  # noqa: E402
from support_agent.offline.model import OfflineChatModel  # noqa: E402
from support_agent.service.conversation import Conversation  # noqa: E402
from support_agent.service.remote import AgentServer, remote  # noqa: E402
from support_agent.workflows.builders import build_graph  # noqa: E402
from support_agent.workflows.support import SUPPORT  # noqa: E402


def session(make) -> tuple[list[float], int]:
    """The tutorial on a fresh thread: seconds per turn, and turns that failed."""
    talk = make()
    times, errors = [], 0
    for text in TUTORIAL:
        started = time.perf_counter()
        events = list(talk.send(text, stream_tokens=False))
        times.append(time.perf_counter() - started)
        errors += not isinstance(events[-1], TurnEnd)
    return times, errors


@dataclass(frozen=True)
class Measured:
    median: float  # seconds per turn, sessions one after another
    p95: float  # seconds per turn, `together` sessions at once
    errors: int  # turns of those that did not end
    turns: int


def measure(make, sessions: int, together: int) -> Measured:
    """`sessions` tutorials one after another, then `together` started at once."""
    per_turn = [t for _ in range(sessions) for t in session(make)[0]]
    with ThreadPoolExecutor(together) as pool:
        runs = list(pool.map(lambda _: session(make), range(together)))
    times = sorted(t for run, _ in runs for t in run)
    p95 = times[int(0.95 * (len(times) - 1))]
    return Measured(statistics.median(per_turn), p95, sum(e for _, e in runs), len(times))


def both(url: str, sessions: int = 5, together: int = 20) -> dict[str, Measured]:
    store = open_store("memory://")
    graph = build_graph("support", OfflineChatModel(), store.checkpointer)
    server = AgentServer.connect(url)
    try:
        return {
            "in process": measure(
                lambda: Conversation(store, graph, SUPPORT, new_thread_id()), sessions, together
            ),  # fmt: skip
            "on server": measure(
                lambda: remote(store, server, SUPPORT, new_thread_id()), sessions, together
            ),  # fmt: skip
        }
    finally:
        server.close()
        store.close()
