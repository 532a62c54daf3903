"""The app's own small tables beside LangGraph's checkpoints, in the same database: one SQL
dialect for SQLite and PostgreSQL (portable types, `?` rewritten for psycopg)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import MISSING, fields
from datetime import UTC, datetime
from types import NoneType
from typing import Any, get_args, get_type_hints

from support_agent.base.oneline import one_line

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS hs_threads (
        thread_id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        title TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        owner TEXT NOT NULL DEFAULT 'local'
    )""",
)
LOCAL_OWNER = "local"
TITLE_CHARS = 80
UNTITLED = "Untitled conversation"  # the title of a thread whose first message is empty


def stored_form(first_message: str) -> str:
    """The title `Threads.touch` gives a new thread."""
    return one_line(first_message, TITLE_CHARS) or UNTITLED


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def table(
    name: str,
    row_type: type,
    *constraints: str,
    named: dict[str, str] | None = None,
    **columns: str,
) -> str:
    """The table the dataclass `row_type` reads its rows from: an `int` field is an INTEGER,
    the rest TEXT, NOT NULL unless it may be None, with its default; `columns` override,
    `named` maps a field to its column's name."""
    made, types = [], get_type_hints(row_type)
    for f in fields(row_type):
        kind = types[f.name]
        sql = f"{'INTEGER' if kind is int else 'TEXT'}{'' if NoneType in get_args(kind) else ' NOT NULL'}"
        sql += "" if f.default in (MISSING, None) else f" DEFAULT {f.default!r}"
        made.append(f"{(named or {}).get(f.name, f.name)} {columns.get(f.name, sql)}")
    return f"CREATE TABLE IF NOT EXISTS {name} ({', '.join([*made, *constraints])})"


class Database:
    """A thin SQL runner over one sqlite3 connection or a psycopg pool."""

    def __init__(
        self,
        sqlite: sqlite3.Connection | None = None,
        pool: Any = None,
        lock: threading.Lock | None = None,
    ):
        self.sqlite, self.pool = sqlite, pool
        # Sharing the checkpointer's connection means sharing its lock too.
        self._lock = lock or threading.Lock()
        self._together = threading.local()

    @contextmanager
    def together(self) -> Iterator[None]:
        """This thread's writes inside are committed once, at the end: on SQLite each commit
        writes the log. (Another writer's commit may take them sooner; PostgreSQL commits
        each.)"""
        if self.pool is not None or getattr(self._together, "on", False):
            yield
            return
        self._together.on = True
        try:
            yield
        finally:
            self._together.on = False
            with self._lock:
                self.sqlite.commit()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        if self.pool is not None:
            with self.pool.connection() as conn:
                return conn.execute(sql.replace("?", "%s"), params).rowcount
        with self._lock:
            cursor = self.sqlite.execute(sql, params)
            if not getattr(self._together, "on", False):
                self.sqlite.commit()
            return cursor.rowcount

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        if self.pool is not None:
            with self.pool.connection() as conn:
                return [dict(row) for row in conn.execute(sql.replace("?", "%s"), params)]
        with self._lock:
            cursor = self.sqlite.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def insert(self, table: str, row: dict[str, Any], key: str = "", update: Sequence[str] = ()):
        """Insert `row`; one already under `key` (columns) is kept, or has `update` rewritten."""
        sql = f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
        if key:
            sets = ", ".join(f"{c} = excluded.{c}" for c in update)
            sql += f" ON CONFLICT ({key}) DO {f'UPDATE SET {sets}' if update else 'NOTHING'}"
        return self.execute(sql, tuple(row.values()))

    def select(self, table: str, order: str = "", **equal: Any) -> list[dict[str, Any]]:
        """`table`'s rows whose columns equal `equal` (None: any value), in `order`."""
        given = {column: value for column, value in equal.items() if value is not None}
        where = " AND ".join(f"{column} = ?" for column in given) or "TRUE"
        order = f" ORDER BY {order}" if order else ""
        return self.query(f"SELECT * FROM {table} WHERE {where}{order}", tuple(given.values()))

    def one(self, table: str, **equal: Any) -> dict[str, Any] | None:
        """The row whose columns equal `equal`; None when there is none (or a value is None)."""
        rows = [] if None in equal.values() else self.select(table, **equal)
        return rows[0] if rows else None

    def setup(self, statements: Sequence[str]) -> None:
        for statement in statements:
            self.execute(statement)

    def add_column(self, table: str, column: str, definition: str) -> None:
        if self.pool is not None:
            self.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {definition}")
            return
        if column not in {r["name"] for r in self.query(f"PRAGMA table_info({table})")}:
            self.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


class Threads:
    def __init__(self, db: Database):
        self.db = db
        db.setup(SCHEMA)
        # Stores made before threads had owners: everything in them is `local`.
        db.add_column("hs_threads", "owner", "TEXT NOT NULL DEFAULT 'local'")

    def touch(
        self, thread_id: str, workflow: str, first_message: str, owner: str = LOCAL_OWNER
    ) -> None:
        """Record the thread's last activity; a new one gets its title and owner."""
        row = dict(thread_id=thread_id, workflow=workflow, title=stored_form(first_message))
        row |= dict(owner=owner, created_at=(stamp := now()), updated_at=stamp)
        self.db.insert("hs_threads", row, "thread_id", ["updated_at"])

    def owner_of(self, thread_id: str) -> str | None:
        return (self.get(thread_id) or {}).get("owner")

    def rename(self, thread_id: str, title: str) -> None:
        title = one_line(title, TITLE_CHARS)
        if not title:
            raise ValueError("A title can't be empty.")
        self.db.execute("UPDATE hs_threads SET title = ? WHERE thread_id = ?", (title, thread_id))

    def get(self, thread_id: str) -> dict[str, Any] | None:
        return self.db.one("hs_threads", thread_id=thread_id)

    def all(self, owner: str | None = None) -> list[dict[str, Any]]:
        return self.db.select("hs_threads", "updated_at DESC, created_at DESC", owner=owner)

    def forget(self, thread_id: str) -> None:
        self.db.execute("DELETE FROM hs_threads WHERE thread_id = ?", (thread_id,))
