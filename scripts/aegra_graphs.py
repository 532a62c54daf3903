"""Each workflow's graph factory as Aegra (an open-source Agent Protocol server) loads it.

Aegra 0.2.0 awaits every callable its config names, so the factories of `server_graphs` are
wrapped as coroutines here; `scripts/aegra_server.sh` writes the config that points here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from support_agent.server_graphs import graph_factory
from support_agent.workflows import WORKFLOWS


def awaited_factory(workflow: str) -> Callable[[], Awaitable[object]]:
    make = graph_factory(workflow)

    async def factory():
        return make()

    factory.__name__ = factory.__qualname__ = workflow
    return factory


globals().update({name: awaited_factory(name) for name in WORKFLOWS})
__all__ = ["awaited_factory", *WORKFLOWS]
