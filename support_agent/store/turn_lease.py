"""One writer per thread: a lease while a turn runs, so two senders can't both write from one
checkpoint (one turn would vanish). A heartbeat renews it; a dead holder's goes at once on
PostgreSQL (a session advisory lock) or within `TTL` on SQLite (a row). A `fenced()`
checkpointer refuses a write whose lease (under `FENCE`) was lost: it would land on a branch
the thread no longer shows."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from support_agent.store.records import Database

logger = logging.getLogger(__name__)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS hs_turn_leases (
        thread_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL
    )""",
)
TTL = 10.0  # seconds a row lease lives unrenewed: how soon a vanished holder's lapses
RENEW_EVERY = 2.0  # a few renewals may fail (a locked database) before it could lapse
# The configurable key under which a turn's config carries its lease (LangGraph keeps
# keys starting "__" out of checkpoint metadata).
FENCE = "__handoff_turn_lease"


class ThreadBusy(RuntimeError):
    """Another sender is running a turn on this conversation right now."""


class LeaseLost(RuntimeError):
    """The lease was lost mid-turn; `store_down`: the store went away, not taken by another."""

    def __init__(self, thread_id: str, why: str, *, store_down: bool = False):
        super().__init__(f"lease on thread {thread_id[:8]}… lost: {why}")
        self.store_down = store_down


class Lease:
    """A held lease, renewed in the background (`Heartbeat`) until released; `renew` raises
    `LeaseLost` once the thread is no longer ours."""

    def __init__(self, thread_id: str, renew: Callable[[], None], let_go: Callable[[], Any]):
        self.thread_id, self._renew, self._let_go = thread_id, renew, let_go
        self._lost: LeaseLost | None = None
        self._held = True
        self._guard = threading.Lock()  # a renewal never overlaps the release
        # (checkpoint id, parent id) of the last write: what the turn saved, without a read.
        self.saved: tuple[str, str | None] | None = None
        # The latest checkpoint read under the lease, by namespace, until a write: no one
        # else writes meanwhile, so the engine's read and LangGraph's decode it once.
        self.latest: dict[str, Any] = {}

    @property
    def lost(self) -> bool:
        return self._lost is not None

    def check(self) -> None:
        self._renewed()
        if self._lost is not None:
            raise self._lost

    def beat(self) -> None:
        with self._guard:
            if not self._held:
                return
            try:
                self._renewed()
            except Exception as exc:  # noqa: BLE001 - a store that blinks: try again next beat
                logger.warning("Couldn't renew a turn lease: %s", type(exc).__name__)

    def _renewed(self) -> None:
        if self._lost is None:
            try:
                self._renew()
            except LeaseLost as lost:
                self._lost = lost
                logger.warning("Turn lease lost mid-turn: %s", lost)

    def release(self) -> None:
        with self._guard:
            self._held = False
            self._let_go()


class Heartbeat:
    """One thread renewing every lease of a store (a thread per turn cost more than the
    rest of the lease); it ends after `IDLE_BEATS` beats with nothing held."""

    IDLE_BEATS = 10

    def __init__(self, every: float):
        self.every = every
        self._leases: set[Lease] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, lease: Lease) -> None:
        with self._lock:
            self._leases.add(lease)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="turn-leases", daemon=True)
                self._thread.start()

    def discard(self, lease: Lease) -> None:
        with self._lock:
            self._leases.discard(lease)

    def _run(self) -> None:
        idle = 0
        while True:
            time.sleep(self.every)
            with self._lock:
                held = list(self._leases)
                idle = 0 if held else idle + 1
                if idle > self.IDLE_BEATS:
                    self._thread = None
                    return
            for lease in held:
                lease.beat()


class TurnLeases:
    def __init__(self, db: Database, *, ttl: float = TTL, renew_every: float = RENEW_EVERY):
        self.db, self.ttl, self.renew_every = db, ttl, renew_every
        self._heartbeat = Heartbeat(renew_every)
        if db.pool is None:
            db.setup(SCHEMA)

    @contextmanager
    def hold(self, thread_id: str) -> Iterator[Lease]:
        lease = self._take(thread_id)
        self._heartbeat.add(lease)
        try:
            yield lease
        finally:
            self._heartbeat.discard(lease)
            lease.release()

    def _take(self, thread_id: str) -> Lease:
        if self.db.pool is not None:
            return self._lock(thread_id)
        owner = f"{secrets.token_hex(8)} {_this_process()}"
        now = time.time()
        taken = self.db.execute(
            "INSERT INTO hs_turn_leases (thread_id, owner, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (thread_id) DO UPDATE SET owner = excluded.owner, "
            "expires_at = excluded.expires_at WHERE hs_turn_leases.expires_at < ?",
            (thread_id, owner, now + self.ttl, now),
        )
        if taken != 1 and not self._take_from_the_dead(thread_id, owner):
            raise ThreadBusy(thread_id)

        def renew() -> None:  # even a lapsed row nobody took is ours: no one wrote meanwhile
            renewed = self.db.execute(
                "UPDATE hs_turn_leases SET expires_at = ? WHERE thread_id = ? AND owner = ?",
                (time.time() + self.ttl, thread_id, owner),
            )
            if renewed != 1:
                raise LeaseLost(thread_id, "another sender took the thread")

        delete = "DELETE FROM hs_turn_leases WHERE thread_id = ? AND owner = ?"
        return Lease(thread_id, renew, lambda: self.db.execute(delete, (thread_id, owner)))

    def _take_from_the_dead(self, thread_id: str, owner: str) -> bool:
        """Take over a dead local holder's lease: waiting out its TTL would refuse every send."""
        held = (self.db.one("hs_turn_leases", thread_id=thread_id) or {}).get("owner", "")
        if not _died(held.partition(" ")[2]):
            return False
        taken = self.db.execute(  # only if it is still the dead holder's row
            "UPDATE hs_turn_leases SET owner = ?, expires_at = ? WHERE thread_id = ? AND owner = ?",
            (owner, time.time() + self.ttl, thread_id, held),
        )
        return taken == 1

    def _lock(self, thread_id: str) -> Lease:
        import psycopg

        conn = psycopg.connect(
            self.db.pool.conninfo,
            autocommit=True,
            connect_timeout=5,
            # A server or network that vanishes fails the heartbeat within seconds.
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=3,
            tcp_user_timeout=10_000,
        )
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(thread_id),))
            got = row.fetchone()[0]
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            raise ThreadBusy(thread_id)

        def renew() -> None:  # the lock lives as long as its session: a live connection
            try:
                conn.execute("SELECT 1")
            except Exception as exc:
                closed = f"its connection closed ({type(exc).__name__})"
                raise LeaseLost(thread_id, closed, store_down=True) from exc

        return Lease(thread_id, renew, conn.close)  # ending the session ends the lock


def lock_key(thread_id: str) -> int:
    digest = hashlib.blake2b(f"hs-turn:{thread_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@cache
def fenced(saver_class: type) -> type:
    """`saver_class` confirming the lease a write's config carries; unleased writes go through."""

    class Fenced(saver_class):
        def get_tuple(self, config: dict) -> Any:
            lease = _lease_of(config)
            configurable = config.get("configurable") or {}
            if lease is None or configurable.get("checkpoint_id"):
                return super().get_tuple(config)
            namespace = configurable.get("checkpoint_ns", "")
            found = lease.latest.get(namespace) or super().get_tuple(config)
            if found is not None:  # (a new thread's first checkpoint is written unfenced)
                lease.latest[namespace] = found
            return found

        def put(self, config: dict, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
            lease = _confirm(config)
            written = super().put(config, checkpoint, metadata, new_versions)
            if lease is not None:
                lease.latest.clear()
                parent = (config.get("configurable") or {}).get("checkpoint_id")
                lease.saved = (written["configurable"]["checkpoint_id"], parent)
            return written

        def put_writes(self, config: dict, writes: Any, task_id: str, task_path: str = "") -> None:
            lease = _confirm(config)
            if lease is not None:
                lease.latest.clear()
            return super().put_writes(config, writes, task_id, task_path)

    Fenced.__name__ = Fenced.__qualname__ = f"Fenced{saver_class.__name__}"
    return Fenced


def _lease_of(config: dict) -> Lease | None:
    return (config.get("configurable") or {}).get(FENCE)


def _confirm(config: dict) -> Lease | None:
    lease = _lease_of(config)
    if lease is not None:
        lease.check()
    return lease


def _this_process() -> str:
    return _process(os.getpid())  # by pid: a forked child is someone else


@cache  # reading /proc for every lease cost more than the rest of taking it
def _process(pid: int) -> str:
    """`boot|pid-namespace|pid|start`; "" where /proc is missing."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        namespace = os.readlink("/proc/self/ns/pid")
        start = _start_time(pid)
    except OSError:
        return ""
    return f"{boot}|{namespace}|{pid}|{start}" if start else ""


def _start_time(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return "" if fields[0] == "Z" else fields[19]


def _died(holder: str) -> bool:
    """Whether `holder` ran on this machine, in this pid namespace, and no longer runs."""
    parts = holder.split("|")
    mine = _this_process().split("|")
    if len(parts) != 4 or len(mine) != 4 or parts[:2] != mine[:2] or not parts[2].isdigit():
        return False
    return _start_time(int(parts[2])) != parts[3]
