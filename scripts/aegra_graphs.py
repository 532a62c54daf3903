"""Each workflow's graph factory, in the form Aegra (an open-source Agent Protocol server) loads.

Aegra 0.2.0 (aegra-api 0.6.0) awaits every callable a config names, so the plain
factories of `support_agent.server_graphs` (what `langgraph.json` names) are wrapped
here as coroutines; the graph each returns is the same, with no checkpointer: the
server brings its own PostgreSQL one. `scripts/aegra_server.sh` writes the config
that points here, one entry per graph of `langgraph.json`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from support_agent.server_graphs import graph_factory
from support_agent.workflows import WORKFLOWS


def awaited_factory(workflow: str) -> Callable[[], Awaitable[object]]:
    """`workflow`'s graph factory as a coroutine function, as Aegra calls it."""
    make = graph_factory(workflow)

    async def factory():
        return make()

    factory.__name__ = factory.__qualname__ = workflow
    return factory


globals().update({name: awaited_factory(name) for name in WORKFLOWS})
__all__ = ["awaited_factory", *WORKFLOWS]
