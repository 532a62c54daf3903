"""Where each turn can be rewound to, one row per turn as it ends: deriving it from the history
decodes every checkpoint. Threads without rows are read from the history (`core.timeline`)."""

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
    """The checkpoint before the turn `latest` ends (after a Retry, past where it stopped);
    `began` is a known (checkpoint id, turn), not read again."""
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
        """Record the turn that just ended (`with_earlier`: the one before too, a withdrawn
        pause). `began` (checkpoint id, turn) and `ended` (id, parent id, values) spare reads."""
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
        text, step = said[-1] if said else "", str(values.get(state_key) or "")
        row = dict(thread_id=thread_id, after_id=after_id, before_id=before_id, text=text)
        row |= dict(turn=turn_of(values), step=step, created_at=now())
        self.db.insert("hs_turn_points", row, "thread_id, after_id")

    def of(self, thread_id: str) -> list[dict[str, Any]]:
        return self.db.select("hs_turn_points", "created_at", thread_id=thread_id)

    def moved(self, thread_id: str, before_id: str, after_id: str) -> None:
        """A reply moved the turn's end to `after_id`; its time moves too, as branches are
        ordered by it."""
        self.db.execute(
            "UPDATE hs_turn_points SET after_id = ?, created_at = ? "
            "WHERE thread_id = ? AND after_id = ?",
            (after_id, now(), thread_id, before_id),
        )

    def forget(self, thread_id: str) -> None:
        self.db.execute("DELETE FROM hs_turn_points WHERE thread_id = ?", (thread_id,))
