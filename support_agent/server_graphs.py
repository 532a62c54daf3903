"""Each registered workflow's graph factory, for LangGraph's own server and Studio.

`langgraph.json` names `support_agent/server_graphs.py:<workflow>` for every workflow. The
server brings its own persistence and refuses a graph compiled with a checkpointer, so each
factory builds one without; the model is the configured default (`SUPPORT_AGENT_MODEL`).
"""

from __future__ import annotations

from collections.abc import Callable

from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph

GRAPHS_FILE = "./support_agent/server_graphs.py"


def graph_factory(workflow: str) -> Callable[[], object]:
    def factory():
        return build_graph(workflow)  # no checkpointer: the server brings its own

    factory.__name__ = factory.__qualname__ = workflow
    factory.__doc__ = f"The {workflow!r} workflow's graph, for LangGraph's server."
    return factory


def langgraph_graphs() -> dict[str, str]:
    """The `graphs` entry `langgraph.json` holds."""
    return {name: f"{GRAPHS_FILE}:{name}" for name in WORKFLOWS}


globals().update({name: graph_factory(name) for name in WORKFLOWS})  # what langgraph.json names
__all__ = ["graph_factory", "langgraph_graphs", *WORKFLOWS]
