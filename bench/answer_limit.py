"""How long a customer waits when the model server hangs (bench/README.md).

A loopback OpenAI-compatible server that never answers ("hang") or fails at once ("500");
one turn per row, from `run_turn` to its `Error`. The promise: SUPPORT_AGENT_TIMEOUT + 1 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from langgraph.checkpoint.memory import InMemorySaver  # noqa: E402

from support_agent.core.engine import Error, new_thread_id, run_turn  # noqa: E402
from support_agent.models import get_model  # noqa: E402
from support_agent.workflows import get_workflow  # noqa: E402
from support_agent.workflows.builders import build_graph  # noqa: E402
from tests.openai_stub import OpenAIStub  # noqa: E402


def one(mode: str, limit: float, retries: int) -> tuple[float, int, str]:
    os.environ.update(SUPPORT_AGENT_TIMEOUT=f"{limit:g}", SUPPORT_AGENT_MAX_RETRIES=str(retries))
    os.environ.setdefault("OPENAI_API_KEY", "not-needed")
    os.environ.pop("SUPPORT_AGENT_BASE_URL", None)
    with OpenAIStub(mode) as stub:
        model = get_model("openai:stub", base_url=stub.url)
        graph = build_graph("support", model, InMemorySaver(), screen_with=model)
        started = time.monotonic()
        events = list(run_turn(graph, get_workflow("support"), new_thread_id(), "Hi, my screen"))
        waited = time.monotonic() - started
        said = events[-1].message if isinstance(events[-1], Error) else "(answered)"
        return waited, len(stub.requests), said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limits", nargs="*", type=float, default=[1.0, 3.0])
    parser.add_argument("--retries", nargs="*", type=int, default=[2])
    parser.add_argument("--modes", nargs="*", default=["hang", "500"])
    args = parser.parse_args()
    print("| server | SUPPORT_AGENT_TIMEOUT | retries | waited | requests | ≤ limit + 1 s | said |")
    print("|---|---:|---:|---:|---:|---|---|")
    for mode in args.modes:
        for limit in args.limits:
            for retries in args.retries:
                waited, requests, said = one(mode, limit, retries)
                ok = "yes" if waited <= limit + 1 else "**no**"
                print(
                    f"| {mode} | {limit:g} s | {retries} | {waited:.2f} s | {requests} | {ok} "
                    f"| {said.split('. ')[0]} |"
                )


if __name__ == "__main__":
    main()
