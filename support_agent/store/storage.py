"""Where conversations live, from `HANDOFF_DB_URL`: a SQLite file, PostgreSQL or `memory://`,
each kept by LangGraph's own checkpointer, `fenced` (see `turn_lease`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.base.settings import settings
from support_agent.store.records import Database, Threads
from support_agent.store.serde import CompressedSerializer
from support_agent.store.turn_lease import TurnLeases, fenced

DB_URL_ENV = "HANDOFF_DB_URL"
DEFAULT_DB_URL = "sqlite:///data/handoff_studio.db"


T = TypeVar("T")


def on_db(table: Callable[[Database], T]) -> cached_property[T]:
    return cached_property(lambda store: table(store.db))


class StoreUnavailable(RuntimeError):
    """The configured store can't be reached; the message says which and what to do."""


@dataclass
class Store:
    kind: str  # "memory" | "sqlite" | "postgres"
    url: str  # with every credential removed (`redact`): for the operator's eyes only
    checkpointer: BaseCheckpointSaver
    db: Database  # the same database, for app records
    resources: list[Any] = field(default_factory=list)  # connections / pools to close

    threads = on_db(Threads)
    leases = on_db(TurnLeases)  # one writer per thread: `with store.leases.hold(thread_id): ...`

    def where(self, *, detail: bool = False) -> str:
        words = {
            "memory": "Kept only while the app runs: a restart forgets these conversations.",
            "sqlite": "Saved on this computer.",
        }.get(self.kind, "Saved in the shared database.")
        return f"{words.removesuffix('.')} ({self.address()})." if detail else words

    def address(self) -> str:
        if self.kind == "memory":
            return "in this process's memory (memory://)"
        if self.kind == "sqlite":
            return f"SQLite file {self.url.removeprefix('sqlite:///')}"
        parts = urlsplit(self.url)  # `redact` made it, from parts that split
        place = parts.netloc.rpartition("@")[2] + parts.path
        return f"PostgreSQL at {place}" if place.strip("/") else "PostgreSQL"

    def delete_thread(self, thread_id: str) -> None:
        self.checkpointer.delete_thread(thread_id)
        self.threads.forget(thread_id)

    def close(self) -> None:
        for resource in self.resources:
            resource.close()


# URL parameters whose values are shown; libpq's others show their name only, and an unknown
# name may be part of a secret typed with "&" in it, so it is hidden whole.
_HARMLESS_PARAMS = frozenset(
    {"sslmode", "connect_timeout", "application_name", "fallback_application_name",
     "target_session_attrs", "load_balance_hosts", "channel_binding", "gssencmode",
     "sslnegotiation", "client_encoding", "keepalives", "keepalives_idle",
     "keepalives_interval", "keepalives_count", "tcp_user_timeout", "port", "dbname"}
)  # fmt: skip
_VALUE_HIDDEN_PARAMS = frozenset(
    {"password", "passfile", "sslpassword", "sslkey", "sslcert", "sslrootcert", "sslcrl",
     "sslcrldir", "options", "user", "host", "hostaddr", "service", "require_auth",
     "krbsrvname", "gsslib", "sslcertmode", "requiressl", "sslcompression"}
)  # fmt: skip
HIDDEN = "***"
UNREADABLE = "(a database setting that is not a URL)"


def redact(url: str) -> str:
    """`url` with every credential replaced by `***`; what isn't a URL is never echoed."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep or not scheme.replace("+", "").isalnum():
        return UNREADABLE if url.strip() else ""
    user_part, at, host_part = rest.rpartition("@")
    if at:
        user, colon, _password = user_part.partition(":")
        if any(c in user for c in "/?#"):  # the `@` was not the user part's end: hide it all
            user, colon = HIDDEN, ""
        user_part = f"{user}:{HIDDEN}@" if colon else f"{user}@"
    try:
        parts = urlsplit(f"{scheme}://{host_part}")
        query = [_redact_param(name, value) for name, value in parse_qsl(parts.query, True)]
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        return UNREADABLE
    shown = f"{scheme}://{user_part}{parts.netloc}{parts.path}"
    shown += f"?{'&'.join(query)}" if query else ""
    return shown + (f"#{HIDDEN}" if parts.fragment else "")


def _redact_param(name: str, value: str) -> str:
    if name in _HARMLESS_PARAMS:
        return f"{name}={value}" if value.isprintable() else f"{name}={HIDDEN}"
    return f"{name}={HIDDEN}" if name in _VALUE_HIDDEN_PARAMS else HIDDEN


def configured_url() -> str:
    return settings().handoff_db_url.strip() or DEFAULT_DB_URL


def open_store(url: str | None = None, store_type: type[Store] = Store) -> Store:
    url = (url or configured_url()).strip()
    if url.startswith("memory://"):
        records = sqlite3.connect(":memory:", check_same_thread=False)
        return store_type(
            "memory", url, fenced(InMemorySaver)(), Database(sqlite=records), [records]
        )
    if url.startswith("sqlite:///"):
        return _open_sqlite(url, store_type)
    if url.startswith(("postgresql://", "postgres://")):
        return _open_postgres(url, store_type)
    raise StoreUnavailable(
        f"{DB_URL_ENV}={redact(url)!r} is not a supported store. Use "
        "sqlite:///path/to/file.db, postgresql://user:password@host:5432/db or memory://."
    )


def _open_sqlite(url: str, store_type: type[Store]) -> Store:
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = Path(url.removeprefix("sqlite:///"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Streamlit serves each browser session on its own thread; the saver locks.
        conn = sqlite3.connect(path, check_same_thread=False)
        saver = fenced(SqliteSaver)(conn, serde=CompressedSerializer())
        saver.setup()  # switches the file to write-ahead logging
        # In WAL mode, a crash loses nothing committed; a power cut only the last commits.
        conn.execute("PRAGMA synchronous=NORMAL")
    except (OSError, sqlite3.Error) as exc:
        raise StoreUnavailable(f"Can't open the SQLite store at {path}: {exc}") from exc
    return store_type("sqlite", url, saver, Database(sqlite=conn, lock=saver.lock), [conn])


def _open_postgres(url: str, store_type: type[Store]) -> Store:
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
    return store_type("postgres", redact(url), saver, Database(pool=pool), [pool])
