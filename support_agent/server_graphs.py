"""Each registered workflow's graph factory, for LangGraph's own server and Studio.

`langgraph.json` at the repository root names `support_agent/server_graphs.py:<workflow>`
for every workflow in `support_agent.workflows.WORKFLOWS`; `langgraph dev` (local
server + Studio) and LangGraph's server (PostgreSQL) call these factories.

The server brings its own persistence: it refuses a graph compiled with a
checkpointer (in `langgraph dev`) and swaps in its own on every run, so each
factory returns the graph `build_graph` compiles with no checkpointer. The model is the configured default
(`SUPPORT_AGENT_MODEL`, else the offline model, which needs no key).
"""

from __future__ import annotations

from collections.abc import Callable

from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph

GRAPHS_FILE = "./support_agent/server_graphs.py"


def graph_factory(workflow: str) -> Callable[[], object]:
    """A no-argument factory of `workflow`'s compiled graph, without a checkpointer."""

    def factory():
        return build_graph(workflow)  # no checkpointer: the server brings its own

    factory.__name__ = factory.__qualname__ = workflow
    factory.__doc__ = f"The {workflow!r} workflow's graph, for LangGraph's server."
    return factory


def langgraph_graphs() -> dict[str, str]:
    """The `graphs` entry `langgraph.json` holds: one factory per registered workflow."""
    return {name: f"{GRAPHS_FILE}:{name}" for name in WORKFLOWS}


# One module-level factory per registered workflow, named after it
# (`support`, `handoffs`, …): what `langgraph.json` points at.
globals().update({name: graph_factory(name) for name in WORKFLOWS})
__all__ = ["graph_factory", "langgraph_graphs", *WORKFLOWS]
