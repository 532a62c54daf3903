"""One writer per thread: a short lease on the thread while a turn runs.

Two tabs (or two app servers) sending on the same conversation would each run
from the same checkpoint and each write a new one; one of the two turns would
vanish from the thread. A lease row in the store's database, taken with one
atomic upsert, lets exactly one turn run at a time on a thread, across
threads, processes and servers; the other sender is told to wait. A lease
that outlives its turn (a killed process) expires after `TTL` seconds.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from support_agent.records import Database

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS hs_turn_leases (
        thread_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL
    )""",
)
TTL = 300.0  # seconds; longer than any turn (request timeout x retries)


class ThreadBusy(RuntimeError):
    """Another sender is running a turn on this conversation right now."""


class TurnLeases:
    def __init__(self, db: Database):
        self.db = db
        db.setup(SCHEMA)

    def acquire(self, thread_id: str) -> str | None:
        """A lease token, or None when another sender holds an unexpired lease."""
        owner, now = secrets.token_hex(8), time.time()
        taken = self.db.execute(
            "INSERT INTO hs_turn_leases (thread_id, owner, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (thread_id) DO UPDATE SET owner = excluded.owner, "
            "expires_at = excluded.expires_at WHERE hs_turn_leases.expires_at < ?",
            (thread_id, owner, now + TTL, now),
        )
        return owner if taken == 1 else None

    def release(self, thread_id: str, owner: str) -> None:
        self.db.execute(
            "DELETE FROM hs_turn_leases WHERE thread_id = ? AND owner = ?", (thread_id, owner)
        )

    @contextmanager
    def hold(self, thread_id: str) -> Iterator[None]:
        """Run the block as the thread's only writer, or raise `ThreadBusy`."""
        owner = self.acquire(thread_id)
        if owner is None:
            raise ThreadBusy(thread_id)
        try:
            yield
        finally:
            self.release(thread_id, owner)
