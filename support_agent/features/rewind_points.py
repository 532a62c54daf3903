"""Where each turn can be rewound to, recorded as the turn ends.

Time travel needs, per finished turn, the checkpoint before it (to rewind
to), the one after it, what the customer said and where the machine stood.
Deriving that from the history means deserializing every checkpoint of the
thread (a third of a second at 200 turns); recording it costs one small row
per turn. Threads written without records (the CLI, the scenario runner, an
older version) are still read from the history (`support_agent.core.timeline`).
"""

from __future__ import annotations

from typing import Any

from support_agent.core.declaration import turn_of
from support_agent.core.engine import thread_config
from support_agent.core.state_view import customer_turns
from support_agent.store.records import Database, now

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS hs_turn_points (
        thread_id TEXT NOT NULL,
        after_id TEXT NOT NULL,
        before_id TEXT NOT NULL,
        turn INTEGER NOT NULL,
        text TEXT NOT NULL,
        step TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (thread_id, after_id)
    )""",
)


def _id(config: dict | None) -> str | None:
    return config["configurable"]["checkpoint_id"] if config else None


def _before(checkpointer: Any, latest: Any, began: tuple[str, int] | None = None) -> dict | None:
    """The checkpoint before the turn `latest` ends: usually its parent; after a
    failure and a Retry, the parent is where the turn stopped, so look one further.
    `began` is (checkpoint id, turn) of a point already known, so it is not read."""
    number = turn_of(latest.checkpoint["channel_values"])
    before = latest.parent_config
    while before is not None:
        if began is not None and _id(before) == began[0] and began[1] < number:
            break  # the point this turn started from, known without a read
        parent = checkpointer.get_tuple(before)
        if parent is None or turn_of(parent.checkpoint["channel_values"]) < number:
            break
        before = parent.parent_config
    return before


class TurnPoints:
    """One row per finished turn of the app's threads."""

    def __init__(self, db: Database):
        self.db = db
        db.setup(SCHEMA)

    def record(
        self,
        checkpointer: Any,
        thread_id: str,
        state_key: str,
        *,
        with_earlier: bool = False,
        began: tuple[str, int] | None = None,
        ended: tuple[str, str | None, dict] | None = None,
    ) -> None:
        """Record the turn that just ended on `thread_id` (its latest checkpoint); with
        `with_earlier`, the turn it followed too: a pause the customer withdrew ended
        only when their next message was sent, in the same run.

        What the caller knows saves reads (each decodes a whole checkpoint): `began`
        is the (checkpoint id, turn) the turn started from; `ended` the (checkpoint id,
        parent id, values) it saved. A turn that ran straight from `began` to `ended`
        is recorded without reading either."""
        if ended is not None and not with_earlier and began is not None:
            after_id, parent_id, values = ended
            if parent_id == began[0] and began[1] < turn_of(values):
                self._insert(thread_id, after_id, parent_id, values, state_key)
                return
        latest = checkpointer.get_tuple(thread_config(thread_id))
        wanted = 2 if with_earlier else 1
        rows = []
        while latest is not None:
            before = _before(checkpointer, latest, began)
            if before is None:
                break
            rows.append((latest, before))
            if len(rows) == wanted:
                break  # each read decodes a whole checkpoint: none beyond what is needed
            latest = checkpointer.get_tuple(before)
        for latest, before in reversed(rows):  # oldest first: rows are read by time
            values = latest.checkpoint["channel_values"]
            self._insert(thread_id, _id(latest.config), _id(before), values, state_key)

    def _insert(
        self, thread_id: str, after_id: str, before_id: str, values: dict, state_key: str
    ) -> None:
        said = customer_turns(values.get("messages") or [])
        self.db.execute(
            "INSERT INTO hs_turn_points (thread_id, after_id, before_id, turn, text, step, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (thread_id, after_id) DO NOTHING",
            (
                thread_id,
                after_id,
                before_id,
                turn_of(values),
                said[-1] if said else "",
                str(values.get(state_key) or ""),
                now(),
            ),
        )

    def of(self, thread_id: str) -> list[dict[str, Any]]:
        return self.db.query(
            "SELECT * FROM hs_turn_points WHERE thread_id = ? ORDER BY created_at", (thread_id,)
        )

    def moved(self, thread_id: str, before_id: str, after_id: str) -> None:
        """The turn that ended at `before_id` now ends at `after_id` (a message added).
        Its time moves too: branches are ordered by it, and a reply written on an earlier
        branch makes that branch the thread's latest."""
        self.db.execute(
            "UPDATE hs_turn_points SET after_id = ?, created_at = ? "
            "WHERE thread_id = ? AND after_id = ?",
            (after_id, now(), thread_id, before_id),
        )

    def forget(self, thread_id: str) -> None:
        self.db.execute("DELETE FROM hs_turn_points WHERE thread_id = ?", (thread_id,))
