"""The app's records on one store: each feature builds its own table on `store.db`, so the
store imports nothing above it while call sites read `store.tickets.open_for_turn(...)`."""

from __future__ import annotations

from support_agent.features.approval_queue import Approvals
from support_agent.features.experiments import Experiments
from support_agent.features.prompt_versions import PromptVersions
from support_agent.features.rewind_points import TurnPoints
from support_agent.features.tickets import Tickets
from support_agent.store.storage import Store, on_db
from support_agent.store.storage import open_store as _open_store


class AppStore(Store):
    turn_points = on_db(TurnPoints)  # per finished turn, the checkpoints around it (time travel)
    approvals = on_db(Approvals)  # per workflow: whether gated tools wait for a person
    prompts = on_db(PromptVersions)  # saved prompt / tool-description versions, which are active
    tickets = on_db(Tickets)  # hand-overs to a person: the support team's work queue
    experiments = on_db(Experiments)  # prompt experiments, kept with the versions they ran

    def delete_thread(self, thread_id: str) -> None:
        super().delete_thread(thread_id)
        self.turn_points.forget(thread_id)
        self.tickets.forget(thread_id)
        self.approvals.decided(thread_id)


def open_store(url: str | None = None) -> AppStore:
    store = _open_store(url, AppStore)
    assert isinstance(store, AppStore)
    return store
