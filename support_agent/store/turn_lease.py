"""One writer per thread: a lease on the thread while a turn runs.

Two tabs (or two app servers) sending on the same conversation would each run
from the same checkpoint and each write a new one; one of the two turns would
vanish from the thread. A lease lets exactly one turn run at a time on a
thread, across threads, processes and servers; the other sender is told to wait.

Two promises, whatever a turn does:

- **A lease outlives its turn.** A background heartbeat renews it every
  `RENEW_EVERY` seconds for as long as it is held, so a turn of any length (a
  provider that hangs streams nothing) keeps it.
- **A dead holder's lease goes at once, or within `TTL`.** On PostgreSQL the
  lease is a session-level advisory lock on a connection of its own: the server
  drops it the moment that connection dies (a killed process, a restarted
  server). On SQLite it is a row renewed by the heartbeat: a holder that stops
  renewing lapses after `TTL` seconds, and one that is a process on this machine
  which no longer runs is taken over at once (its row names the process).

If a lease is lost anyway (the store went away long enough for the row to
lapse and someone else took it, or the lock's connection dropped), the turn
must not save: LangGraph writes a turn's checkpoint when the run exits
(`durability="exit"`), and a checkpoint written then would land on a branch the
thread no longer shows. So a turn's config carries its lease under `FENCE`, and
a checkpointer made with `fenced()` confirms the lease before every write and
refuses it (`LeaseLost`) otherwise.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
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
    """The turn's lease was lost before it finished, so what it would write is refused.

    `store_down` says the store itself went away (the lock's connection died), rather
    than another sender having taken the thread.
    """

    def __init__(self, thread_id: str, why: str, *, store_down: bool = False):
        super().__init__(f"lease on thread {thread_id[:8]}… lost: {why}")
        self.store_down = store_down


class Lease:
    """A held lease: renewed in the background (`Heartbeat`) until released.

    `check()` confirms, now, that this is still the thread's only writer (a checkpoint
    write calls it first); `lost` is what the heartbeat last found.
    """

    def __init__(self, thread_id: str):
        self.thread_id = thread_id
        self._lost: LeaseLost | None = None
        self._held = True
        self._guard = threading.Lock()  # a renewal never overlaps the release
        # (checkpoint id, its parent's id) of the last checkpoint written under this
        # lease: what the turn saved, known without reading it back.
        self.saved: tuple[str, str | None] | None = None
        # The thread's latest checkpoint as last read under this lease, by namespace,
        # until anything is written: no one else writes meanwhile, so the engine's read
        # before the run and LangGraph's as the run starts decode it once.
        self.latest: dict[str, Any] = {}

    @property
    def lost(self) -> bool:
        return self._lost is not None

    def check(self) -> None:
        """Raise `LeaseLost` unless the lease is still held, confirmed with the store now."""
        if self._lost is None:
            try:
                self._renew()
            except LeaseLost as lost:
                self._lost = lost
        if self._lost is not None:
            raise self._lost

    def beat(self) -> None:
        """One background renewal; a lease found lost stays lost."""
        with self._guard:
            if not self._held or self._lost is not None:
                return
            try:
                self._renew()
            except LeaseLost as lost:
                self._lost = lost
                logger.warning("Turn lease lost mid-turn: %s", lost)
            except Exception as exc:  # noqa: BLE001 - a store that blinks: try again next beat
                logger.warning("Couldn't renew a turn lease: %s", type(exc).__name__)

    def release(self) -> None:
        with self._guard:
            self._held = False
            self._let_go()

    def _renew(self) -> None:
        raise NotImplementedError

    def _let_go(self) -> None:
        raise NotImplementedError


class Heartbeat:
    """One background thread renewing every lease a store holds, every `every` seconds.

    One thread for all leases, started with the first: starting a thread for each
    turn cost more than the rest of the lease. It ends after `IDLE_BEATS` beats with
    nothing held, so a closed store leaves no thread behind for long.
    """

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


class _RowLease(Lease):
    """A row in `hs_turn_leases`, owned while its `owner` is ours (SQLite, memory)."""

    def __init__(self, db: Database, thread_id: str, owner: str, ttl: float):
        super().__init__(thread_id)
        self.db, self.owner, self.ttl = db, owner, ttl

    def _renew(self) -> None:
        # Still ours if no one replaced the row: even a lapsed row nobody took is safe to
        # extend, since no one else wrote on the thread meanwhile.
        renewed = self.db.execute(
            "UPDATE hs_turn_leases SET expires_at = ? WHERE thread_id = ? AND owner = ?",
            (time.time() + self.ttl, self.thread_id, self.owner),
        )
        if renewed != 1:
            raise LeaseLost(self.thread_id, "another sender took the thread")

    def _let_go(self) -> None:
        self.db.execute(
            "DELETE FROM hs_turn_leases WHERE thread_id = ? AND owner = ?",
            (self.thread_id, self.owner),
        )


class _SessionLock(Lease):
    """A PostgreSQL session-level advisory lock, on a connection of its own."""

    def __init__(self, conn: Any, thread_id: str):
        super().__init__(thread_id)
        self.conn = conn

    def _renew(self) -> None:
        # The lock lives as long as its session: a live connection is a held lock.
        try:
            self.conn.execute("SELECT 1")
        except Exception as exc:
            raise LeaseLost(
                self.thread_id, f"its connection closed ({type(exc).__name__})", store_down=True
            ) from exc

    def _let_go(self) -> None:
        self.conn.close()  # ends the session, and with it the lock


class TurnLeases:
    """Leases on the store's threads: `with leases.hold(thread_id) as lease: ...`.

    `ttl` and `renew_every` are for tests; the defaults suit turns of any length.
    """

    def __init__(self, db: Database, *, ttl: float = TTL, renew_every: float = RENEW_EVERY):
        self.db, self.ttl, self.renew_every = db, ttl, renew_every
        self._heartbeat = Heartbeat(renew_every)
        if db.pool is None:
            db.setup(SCHEMA)

    @contextmanager
    def hold(self, thread_id: str) -> Iterator[Lease]:
        """Run the block as the thread's only writer, or raise `ThreadBusy`."""
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
        return _RowLease(self.db, thread_id, owner, self.ttl)

    def _take_from_the_dead(self, thread_id: str, owner: str) -> bool:
        """Take a lease whose holder was a process on this machine that has since died
        (the app killed and restarted): waiting out its TTL would refuse every send."""
        rows = self.db.query("SELECT owner FROM hs_turn_leases WHERE thread_id = ?", (thread_id,))
        if not rows or not _died(rows[0]["owner"].partition(" ")[2]):
            return False
        taken = self.db.execute(  # only if it is still the dead holder's row
            "UPDATE hs_turn_leases SET owner = ?, expires_at = ? WHERE thread_id = ? AND owner = ?",
            (owner, time.time() + self.ttl, thread_id, rows[0]["owner"]),
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
        return _SessionLock(conn, thread_id)


def lock_key(thread_id: str) -> int:
    """The advisory lock's 64-bit key for a thread (PostgreSQL's bigint)."""
    digest = hashlib.blake2b(f"hs-turn:{thread_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@cache
def fenced(saver_class: type) -> type:
    """`saver_class` (a LangGraph checkpointer) refusing the writes of a lost lease.

    A write whose config carries a lease under `FENCE` confirms it first; writes
    outside a leased turn (a CLI turn, a first empty checkpoint) go through as before.
    A read of the thread's latest checkpoint under a lease is kept on it until the
    next write (`Lease.latest`).
    """

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
    """The lease a write's config carries (confirmed now), if any."""
    lease = _lease_of(config)
    if lease is not None:
        lease.check()
    return lease


# --- Who holds a row lease: a process this machine can tell is gone ---------------------


def _this_process() -> str:
    """Who this process is, as `boot|pid-namespace|pid|start`; "" where /proc is missing."""
    return _process_of(os.getpid())  # by pid: a forked child is someone else


@cache
def _process_of(pid: int) -> str:
    """`_process` of this process: it never changes while it runs, and reading three
    files under /proc for every turn's lease cost more than the rest of taking it."""
    return _process(pid)


def _process(pid: int) -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        namespace = os.readlink("/proc/self/ns/pid")
        start = _start_time(pid)
    except OSError:
        return ""
    return f"{boot}|{namespace}|{pid}|{start}" if start else ""


def _start_time(pid: int) -> str:
    """The process's start (clock ticks since boot), or "" if it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return "" if fields[0] == "Z" else fields[19]


def _died(holder: str) -> bool:
    """Whether `holder` (a `_this_process()`) ran on this machine and no longer runs.

    Another machine's, another pid namespace's (a container), or an older row's
    holder can't be told apart from a live one: False, and its TTL decides.
    """
    parts = holder.split("|")
    mine = _this_process().split("|")
    if len(parts) != 4 or len(mine) != 4 or parts[:2] != mine[:2] or not parts[2].isdigit():
        return False
    return _start_time(int(parts[2])) != parts[3]
