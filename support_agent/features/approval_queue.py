"""Human approval's records: per workflow, whether gated tools wait for a person (off by
default), and an index of the conversations paused now (the pause lives in the checkpoint)."""

from __future__ import annotations

from dataclasses import dataclass

from support_agent.store.records import Database, now, table

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS hs_approval_settings (
        workflow TEXT PRIMARY KEY,
        approvals INTEGER NOT NULL,
        changed_by TEXT NOT NULL,
        changed_at TEXT NOT NULL
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
        db.setup([*SCHEMA, table("hs_approvals_waiting", Waiting, thread_id="TEXT PRIMARY KEY")])

    def is_on(self, workflow: str) -> bool:
        return bool((self.db.one("hs_approval_settings", workflow=workflow) or {}).get("approvals"))

    def set(self, workflow: str, on: bool, by: str) -> None:
        row = dict(workflow=workflow, approvals=int(on), changed_by=by, changed_at=now())
        self.db.insert("hs_approval_settings", row, "workflow", list(row)[1:])

    def paused(self, thread_id: str, request_id: str, workflow: str, question: str, owner: str):
        row = dict(thread_id=thread_id, request_id=request_id, workflow=workflow)
        row |= dict(question=question, owner=owner, since=now())
        self.db.insert(
            "hs_approvals_waiting", row, "thread_id", ("request_id", "question", "since")
        )

    def decided(self, thread_id: str) -> None:
        self.db.execute("DELETE FROM hs_approvals_waiting WHERE thread_id = ?", (thread_id,))

    def waiting(self, owner: str | None = None) -> list[Waiting]:
        return [Waiting(**r) for r in self.db.select("hs_approvals_waiting", "since", owner=owner)]
