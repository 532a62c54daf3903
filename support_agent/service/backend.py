"""Where a face's conversations run and are read: this process, or LangGraph's server.

Every face asks `choose(store, ...)` once and talks to the backend it gets, so no page
branches on the setting; `offers` names the studio's extras a backend can't give.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langgraph.graph import START

from support_agent.core.declaration import Workflow
from support_agent.core.engine import thread_config
from support_agent.core.timeline import Saved, Timeline
from support_agent.core.timeline import read as read_timeline
from support_agent.features.app_store import AppStore
from support_agent.service.conversation import Conversation
from support_agent.service.remote import (
    OWNER_KEY,
    AgentServer,
    interrupts_of,
    remote,
    scenario_turns,
    server_thread_id,
    state_values,
    turn_ended,
)
from support_agent.workflows import WORKFLOWS

# What only the in-process backend offers (`Backend.offers`), by name.
TICKET_REPLY = "ticket_reply"  # a person's reply written into the conversation


@dataclass(frozen=True)
class Snapshot:
    """A thread's state at one point, as faces draw it."""

    values: dict = field(default_factory=dict)
    interrupts: tuple = ()
    next: tuple = ()
    checkpoint_id: str | None = None
    metadata: dict = field(default_factory=dict)


@dataclass
class InProcess:
    """Turns run here; `reader` gives a graph per workflow to read state with."""

    store: AppStore
    reader: Callable[[str], Any]
    on_server = False

    def conversation(self, workflow, thread_id, owner, graphs) -> Conversation:  # noqa: ANN001
        """`graphs()`: the graph that runs turns and its lean twin (or None)."""
        graph, lean = graphs()
        return Conversation(self.store, graph, workflow, thread_id, owner, lean)

    def read(self, workflow: str, thread_id: str, checkpoint_id: str | None = None) -> Snapshot:
        found = self.reader(workflow).get_state(thread_config(thread_id, checkpoint_id))
        point = (found.config or {}).get("configurable", {}).get("checkpoint_id")
        return Snapshot(dict(found.values), tuple(found.interrupts), tuple(found.next), point,
                        dict(found.metadata or {}))  # fmt: skip

    def info(self, thread_id: str) -> dict | None:
        found = self.store.checkpointer.get_tuple(thread_config(thread_id))
        return dict(found.metadata or {}) if found else None

    def owner_of(self, thread_id: str) -> str | None:
        return self.store.threads.owner_of(thread_id)

    def timeline(self, workflow: Workflow, thread_id: str, *, history_allowed: bool):
        """From the recorded turn points when they reach the latest checkpoint; from the
        history only if `history_allowed` (costly on long threads). None: not read."""
        latest = self.store.checkpointer.get_tuple(thread_config(thread_id))
        if latest is None:
            return None
        latest_id = latest.config["configurable"]["checkpoint_id"]
        recorded = self.store.turn_points.of(thread_id)
        if not history_allowed and not any(p["after_id"] == latest_id for p in recorded):
            return None
        return read_timeline(self.reader(workflow.name), thread_id, recorded, latest_id,
                             workflow.state_key)  # fmt: skip

    def threads_of(self, owner: str) -> list[dict]:
        return self.store.threads.all(owner=owner)

    def delete(self, thread_id: str) -> None:
        self.store.delete_thread(thread_id)

    def rename(self, thread_id: str, title: str) -> None:
        self.store.threads.rename(thread_id, title)

    def seed(self, workflow: str, thread_id: str, values: dict, owner: str) -> None:
        graph = self.reader(workflow).with_config(metadata={"workflow": workflow})
        graph.update_state(thread_config(thread_id), values, as_node=START)

    def offers(self, feature: str) -> bool:
        return True

    def scenario_turns(self) -> None:  # the runner's default: a fresh in-memory graph
        return None


@dataclass
class OnServer:
    """Turns run on LangGraph's server, and state, checkpoints and owners are read there."""

    store: AppStore
    server: AgentServer
    on_server = True

    def conversation(self, workflow, thread_id, owner, graphs=None) -> Conversation:  # noqa: ANN001
        return remote(self.store, self.server, workflow, thread_id, owner)

    def read(self, workflow: str, thread_id: str, checkpoint_id: str | None = None) -> Snapshot:
        found = self.server.there("get_state", thread_id, checkpoint_id=checkpoint_id)
        if found is None:  # not started there yet
            return Snapshot()
        point = (found.get("checkpoint") or {}).get("checkpoint_id")
        return Snapshot(state_values(found.get("values")), interrupts_of(found.get("interrupts")),
                        tuple(found.get("next") or ()), point, dict(found.get("metadata") or {}))  # fmt: skip

    def info(self, thread_id: str) -> dict | None:
        """The server thread's metadata, None when it has no turn."""
        found = self.server.there("get", thread_id) or {}
        return dict(found.get("metadata") or {}) if found.get("values") else None

    def owner_of(self, thread_id: str) -> str | None:
        """As the server records it (studios sharing the server agree), else our row."""
        owner = (self.info(thread_id) or {}).get(OWNER_KEY)
        return owner or self.store.threads.owner_of(thread_id)

    def timeline(self, workflow: Workflow, thread_id: str, *, history_allowed: bool):
        """From the server's history: it keeps one checkpoint per run."""
        if not history_allowed:
            return None
        history = self.server.client.threads.get_history(server_thread_id(thread_id), limit=1000)
        saved = [
            Saved(
                {"configurable": {"checkpoint_id": h["checkpoint"]["checkpoint_id"]}},
                {"configurable": {"checkpoint_id": h["parent_checkpoint"]["checkpoint_id"]}}
                if h.get("parent_checkpoint")
                else None,
                state_values(h.get("values")),
                h.get("created_at") or "",
            )
            for h in history
            # Where a run stopped, and the empty start (Aegra also keeps every step's).
            if turn_ended(h) or not (h.get("values") or {}).get("messages")
        ]
        return Timeline(None, thread_id, history=saved) if saved else None

    def threads_of(self, owner: str) -> list[dict]:
        """As the server lists them, titled by our row when we have one (a rename here wins)."""
        listed = self.server.threads_of(owner)
        for thread in listed:
            row = self.store.threads.get(thread["thread_id"]) or {}
            thread["title"] = row.get("title") or thread["title"]
        return listed

    def delete(self, thread_id: str) -> None:
        self.server.there("delete", thread_id)
        self.store.delete_thread(thread_id)

    def rename(self, thread_id: str, title: str) -> None:
        """Our row (which checks the title), then the server's metadata (other studios)."""
        self.store.threads.rename(thread_id, title)
        row = self.store.threads.get(thread_id) or {}
        self.server.client.threads.update(
            server_thread_id(thread_id), metadata={"title": row.get("title", title)}
        )

    def seed(self, workflow: str, thread_id: str, values: dict, owner: str) -> None:
        """A new thread there whose first checkpoint holds `values`, as in process (the
        client sends messages as their `model_dump`)."""
        self.server.create(thread_id, WORKFLOWS[workflow], owner, values)

    def offers(self, feature: str) -> bool:
        return feature != TICKET_REPLY

    def scenario_turns(self) -> Callable[[Any], Any]:
        return scenario_turns(self.server)


Backend = InProcess | OnServer


def choose(store: AppStore, reader: Callable[[str], Any], server: AgentServer | None) -> Backend:
    return OnServer(store, server) if server is not None else InProcess(store, reader)
