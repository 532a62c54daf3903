"""Human approval's records: per workflow, whether gated tools wait for a person (off by
default), and an index of the conversations paused now (the pause lives in the checkpoint)."""

from __future__ import annotations

from dataclasses import dataclass

from support_agent.store.records import Database, now

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS hs_approval_settings (
        workflow TEXT PRIMARY KEY,
        approvals INTEGER NOT NULL,
        changed_by TEXT NOT NULL,
        changed_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS hs_approvals_waiting (
        thread_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        workflow TEXT NOT NULL,
        question TEXT NOT NULL,
        owner TEXT NOT NULL,
        since TEXT NOT NULL
    )""",
)


@dataclass(frozen=True)
class Waiting:
    thread_id: str
    request_id: str
    workflow: str
    question: str
    owner: str
    since: str


class Approvals:
    def __init__(self, db: Database):
        self.db = db
        db.setup(SCHEMA)

    def is_on(self, workflow: str) -> bool:
        rows = self.db.query(
            "SELECT approvals FROM hs_approval_settings WHERE workflow = ?", (workflow,)
        )
        return bool(rows and rows[0]["approvals"])

    def set(self, workflow: str, on: bool, by: str) -> None:
        self.db.execute(
            "INSERT INTO hs_approval_settings (workflow, approvals, changed_by, changed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (workflow) DO UPDATE SET "
            "approvals = excluded.approvals, changed_by = excluded.changed_by, "
            "changed_at = excluded.changed_at",
            (workflow, int(on), by, now()),
        )

    def paused(self, thread_id: str, request_id: str, workflow: str, question: str, owner: str):
        self.db.execute(
            "INSERT INTO hs_approvals_waiting (thread_id, request_id, workflow, question, owner, "
            "since) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (thread_id) DO UPDATE SET "
            "request_id = excluded.request_id, question = excluded.question, "
            "since = excluded.since",
            (thread_id, request_id, workflow, question, owner, now()),
        )

    def decided(self, thread_id: str) -> None:
        self.db.execute("DELETE FROM hs_approvals_waiting WHERE thread_id = ?", (thread_id,))

    def waiting(self, owner: str | None = None) -> list[Waiting]:
        where, params = ("", ()) if owner is None else ("WHERE owner = ? ", (owner,))
        rows = self.db.query(f"SELECT * FROM hs_approvals_waiting {where}ORDER BY since", params)
        return [Waiting(**row) for row in rows]
