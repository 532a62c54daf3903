"""Where conversations live, chosen from one setting.

`HANDOFF_DB_URL` is `sqlite:///data/handoff_studio.db` (the default, created
on first use), `postgresql://user:pass@host/db` for a shared server, or
`memory://` for tests. Conversation state is kept by LangGraph's own
checkpointers; nothing here invents a checkpoint format. Each is `fenced`: a
turn whose lease was lost can't write on a thread someone else now holds
(`support_agent.turn_lease`).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.approvals import Approvals
from support_agent.experiments import Experiments
from support_agent.prompt_versions import PromptVersions
from support_agent.records import Database, Threads
from support_agent.serde import CompressedSerializer
from support_agent.tickets import Tickets
from support_agent.turn_lease import TurnLeases, fenced
from support_agent.turn_points import TurnPoints

DB_URL_ENV = "HANDOFF_DB_URL"
DEFAULT_DB_URL = "sqlite:///data/handoff_studio.db"


class StoreUnavailable(RuntimeError):
    """The configured store can't be reached; the message says which and what to do."""


@dataclass
class Store:
    kind: str  # "memory" | "sqlite" | "postgres"
    url: str  # with any password removed: safe to show
    checkpointer: BaseCheckpointSaver
    db: Database  # the same database, for app records
    resources: list[Any] = field(default_factory=list)  # connections / pools to close

    @cached_property
    def threads(self) -> Threads:
        return Threads(self.db)

    @cached_property
    def turn_points(self) -> TurnPoints:
        """Per finished turn: the checkpoints before and after it (time travel)."""
        return TurnPoints(self.db)

    @cached_property
    def leases(self) -> TurnLeases:
        """One writer per thread: `with store.leases.hold(thread_id): ...`."""
        return TurnLeases(self.db)

    @cached_property
    def approvals(self) -> Approvals:
        """Per workflow: whether hand-overs and refunds wait for a person's approval."""
        return Approvals(self.db)

    @cached_property
    def prompts(self) -> PromptVersions:
        """Saved prompt / tool-description versions and which are active."""
        return PromptVersions(self.db)

    @cached_property
    def tickets(self) -> Tickets:
        """Hand-overs to a person: the support team's work queue."""
        return Tickets(self.db)

    @cached_property
    def experiments(self) -> Experiments:
        """Prompt experiments kept with the prompt versions they ran."""
        return Experiments(self.db)

    def delete_thread(self, thread_id: str) -> None:
        """Remove a conversation for good: its checkpoints, its record, its tickets."""
        self.checkpointer.delete_thread(thread_id)
        self.threads.forget(thread_id)
        self.turn_points.forget(thread_id)
        self.tickets.forget(thread_id)
        self.approvals.decided(thread_id)

    def message_added(self, thread_id: str, before_id: str, after_id: str) -> None:
        """A message written between turns (a person's reply, `tickets.reply`) ends the
        turn it follows: that turn's recorded point moves to the new checkpoint, so time
        travel keeps reading one unbroken chain of turns from `hs_turn_points`."""
        self.turn_points.db.execute(  # (the property makes sure the table exists)
            "UPDATE hs_turn_points SET after_id = ? WHERE thread_id = ? AND after_id = ?",
            (after_id, thread_id, before_id),
        )

    def close(self) -> None:
        for resource in self.resources:
            resource.close()


def redact(url: str) -> str:
    """The URL without its password, for messages and the UI."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def configured_url() -> str:
    return os.environ.get(DB_URL_ENV, "").strip() or DEFAULT_DB_URL


def open_store(url: str | None = None) -> Store:
    """Open the store named by `url` (default: `HANDOFF_DB_URL`)."""
    url = (url or configured_url()).strip()
    if url.startswith("memory://"):
        records = sqlite3.connect(":memory:", check_same_thread=False)
        return Store("memory", url, fenced(InMemorySaver)(), Database(sqlite=records), [records])
    if url.startswith("sqlite:///"):
        return _open_sqlite(url)
    if url.startswith(("postgresql://", "postgres://")):
        return _open_postgres(url)
    raise StoreUnavailable(
        f"{DB_URL_ENV}={redact(url)!r} is not a supported store. Use "
        "sqlite:///path/to/file.db, postgresql://user:password@host:5432/db or memory://."
    )


def _open_sqlite(url: str) -> Store:
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = Path(url.removeprefix("sqlite:///"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Streamlit serves each browser session on its own thread; the saver locks.
        conn = sqlite3.connect(path, check_same_thread=False)
        saver = fenced(SqliteSaver)(conn, serde=CompressedSerializer())
        saver.setup()  # switches the file to write-ahead logging
        # In WAL mode, NORMAL commits every turn without an fsync per commit: a
        # crashed app loses nothing committed; only a power cut can lose the
        # last commits, never the file's consistency (sqlite.org/pragma.html).
        conn.execute("PRAGMA synchronous=NORMAL")
    except (OSError, sqlite3.Error) as exc:
        raise StoreUnavailable(f"Can't open the SQLite store at {path}: {exc}") from exc
    return Store("sqlite", url, saver, Database(sqlite=conn, lock=saver.lock), [conn])


def _open_postgres(url: str) -> Store:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=10,
        open=False,
        # A server restart leaves broken connections in the pool: test each on checkout.
        check=ConnectionPool.check_connection,
        timeout=5,  # wait this long for a connection before saying the store is down
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    )
    try:
        pool.open(wait=True, timeout=5)
        saver = fenced(PostgresSaver)(pool, serde=CompressedSerializer())
        saver.setup()
    except Exception as exc:
        pool.close()
        raise StoreUnavailable(
            f"Can't reach PostgreSQL at {redact(url)}: {type(exc).__name__}. "
            "Check the server is running and the URL is right."
        ) from exc
    return Store("postgres", redact(url), saver, Database(pool=pool), [pool])
