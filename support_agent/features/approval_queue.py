"""Human approval's records: each workflow's setting, and the conversations waiting.

The setting (off by default) says whether a workflow's gated tools (its
`approvals`: hand-overs, refunds, exchanges) wait for a person. One row per
workflow in the app database, so it holds for every session and app server and
survives a restart; only an operator changes it (the page checks
`Context.operator`), and each turn reads it when it starts.

The queue lists conversations paused for a decision, so the support team finds
those of visitors who can't decide for themselves (the Tickets page). The
pause itself lives in LangGraph's checkpoint; a row here is only its index,
added when a turn pauses and removed when a turn ends with nothing waiting: the
pause was decided, or the customer withdrew it by writing again.
"""

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
    """A conversation paused for a person's decision."""

    thread_id: str
    request_id: str
    workflow: str
    question: str
    owner: str
    since: str


class Approvals:
    """Per workflow: do gated actions wait for a person? And which conversations wait now."""

    def __init__(self, db: Database):
        self.db = db
        db.setup(SCHEMA)

    # -- the setting -------------------------------------------------------------------
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

    # -- the queue ---------------------------------------------------------------------
    def paused(self, thread_id: str, request_id: str, workflow: str, question: str, owner: str):
        """Note that `thread_id` waits for a decision (again: the same row, refreshed)."""
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
        """Conversations waiting, oldest first (only `owner`'s when given)."""
        sql = "SELECT * FROM hs_approvals_waiting"
        params: tuple = ()
        if owner is not None:
            sql, params = sql + " WHERE owner = ?", (owner,)
        return [Waiting(**row) for row in self.db.query(sql + " ORDER BY since", params)]
