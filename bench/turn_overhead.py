"""Time per turn of the compiled support agent on the offline model.

Each turn's wall time is split into *model* time (spent inside the offline
model's `_generate` / `_stream`, summaries included) and *framework* time
(everything else: LangGraph, the middleware, tools, checkpointing, the
engine's event stream). Prints a Markdown table; see bench/README.md.

    python bench/turn_overhead.py [--reps N] [--path run_turn|invoke] [--store memory sqlite]
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage  # noqa: E402
from langchain_core.outputs import ChatGenerationChunk, ChatResult  # noqa: E402
from langgraph.checkpoint.memory import InMemorySaver

from support_agent import build_support_agent  # noqa: E402
from support_agent.core.engine import Error, TurnEnd, new_thread_id, run_turn, thread_config  # noqa: E402
from support_agent.offline.model import OfflineChatModel  # noqa: E402
from support_agent.workflows.support import SUPPORT  # noqa: E402

TUTORIAL = [
    "Hi, my phone screen is cracked",
    "Yes, it's still under warranty",
    "The screen is physically cracked from dropping it",
    "What should I do?",
]
FOLLOW_UPS = ["What should I do?", "How long will the repair take?", "Do I need the receipt?"]


def long_conversation(turns: int = 60) -> list[str]:
    """The tutorial's turns, then follow-ups until `turns` (enough to summarize)."""
    extra = [FOLLOW_UPS[i % len(FOLLOW_UPS)] for i in range(turns - len(TUTORIAL))]
    return TUTORIAL + extra


class TimedOfflineModel(OfflineChatModel):
    """The offline model, adding the time spent inside it to `model_seconds`."""

    model_seconds: float = 0.0
    summaries: int = 0

    def _generate(self, messages, stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        start = time.perf_counter()
        try:
            return super()._generate(messages, stop, run_manager, **kwargs)
        finally:
            self.model_seconds += time.perf_counter() - start
            self._count_summary(kwargs)

    def _stream(
        self, messages, stop=None, run_manager=None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        # Time only the work between yields: what the caller does with a chunk is framework.
        chunks = super()._stream(messages, stop, run_manager, **kwargs)
        while True:
            start = time.perf_counter()
            try:
                chunk = next(chunks)
            except StopIteration:
                self.model_seconds += time.perf_counter() - start
                self._count_summary(kwargs)
                return
            self.model_seconds += time.perf_counter() - start
            yield chunk

    def _count_summary(self, kwargs: dict) -> None:
        # SummarizationMiddleware calls the model with no tools bound; the agent never does.
        if not kwargs.get("tools"):
            self.summaries += 1


@dataclass
class Result:
    name: str
    turns: int
    wall_ms: list[float] = field(default_factory=list)  # one entry per turn, all repetitions
    model_ms: float = 0.0  # total over all repetitions
    summaries: list[int] = field(default_factory=list)  # per repetition

    def row(self) -> str:
        n = len(self.wall_ms)
        mean = statistics.fmean(self.wall_ms)
        model = self.model_ms / n
        return (
            f"| {self.name} | {self.turns} | {mean:.2f} | {percentile(self.wall_ms, 95):.2f} "
            f"| {model:.2f} | {mean - model:.2f} | {summary_count(self.summaries)} |"
        )


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summary_count(per_rep: list[int]) -> str:
    low, high = min(per_rep), max(per_rep)
    return str(low) if low == high else f"{low}–{high}"


def make_checkpointer(store: str, tmp: Path, rep: int):
    if store == "memory":
        return InMemorySaver(), None
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(tmp / f"bench-{rep}.db", check_same_thread=False)
    return SqliteSaver(conn), conn


def one_turn(agent, path: str, thread_id: str, text: str) -> None:
    if path == "invoke":
        agent.invoke({"messages": [HumanMessage(text)]}, thread_config(thread_id))
        return
    last = None
    for last in run_turn(agent, SUPPORT, thread_id, text):
        if isinstance(last, Error):
            raise RuntimeError(f"turn failed: {last.message}")
    if not isinstance(last, TurnEnd):
        raise RuntimeError("turn ended without TurnEnd")


def measure(name: str, texts: list[str], reps: int, path: str, store: str, tmp: Path) -> Result:
    result = Result(name, len(texts))
    for rep in range(reps + 1):  # repetition 0 warms up and is not counted
        model = TimedOfflineModel()
        checkpointer, conn = make_checkpointer(store, tmp, rep)
        agent = build_support_agent(model, checkpointer)
        thread_id = new_thread_id()
        walls = []
        for text in texts:
            start = time.perf_counter()
            one_turn(agent, path, thread_id, text)
            walls.append((time.perf_counter() - start) * 1000)
        state = agent.get_state(thread_config(thread_id)).values
        if state.get("current_step") != "resolution_specialist":
            raise RuntimeError(f"{name}: conversation did not reach resolution")
        if conn is not None:
            conn.close()
        if rep == 0:
            continue
        result.wall_ms += walls
        result.model_ms += model.model_seconds * 1000
        result.summaries.append(model.summaries)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=10, help="repetitions per conversation")
    parser.add_argument(
        "--path",
        choices=["run_turn", "invoke"],
        default="run_turn",
        help="run_turn: the engine's event stream, as the app and CLI use it (default); "
        "invoke: agent.invoke, no streaming",
    )
    parser.add_argument(
        "--store",
        nargs="+",
        choices=["memory", "sqlite"],
        default=["memory"],
        help="checkpointer(s) to measure: InMemorySaver, or SqliteSaver on a temporary file",
    )
    args = parser.parse_args(argv)

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for store in args.store:
            for name, texts in (("tutorial", TUTORIAL), ("long", long_conversation(60))):
                label = f"{name} ({store})"
                results.append(measure(label, texts, args.reps, args.path, store, Path(tmp)))
    print(f"Offline model, path={args.path}, {args.reps} repetitions (+1 warm-up)\n")
    print(
        "| conversation | turns | mean ms/turn | p95 ms/turn | model ms/turn "
        "| framework ms/turn | summarizations |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for result in results:
        print(result.row())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
