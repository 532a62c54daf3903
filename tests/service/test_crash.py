"""A process killed with SIGKILL in the middle of a turn loses no finished turn."""

import os
import signal
import subprocess
import sys

from support_agent import build_support_agent
from support_agent.core.engine import TurnEnd, new_thread_id, run_turn, thread_config
from support_agent.features.app_store import open_store
from support_agent.workflows.support import SUPPORT
from tests.browser import ROOT
from tests.helpers import TUTORIAL

# Runs turns on a SQLite store; its model hangs on the third customer turn.
CHILD = r"""
import sys, threading
from support_agent import build_support_agent
from support_agent.core.engine import run_turn
from support_agent.models import OfflineChatModel
from support_agent.features.app_store import open_store
from support_agent.workflows.support import SUPPORT

class HangsOnTurnThree(OfflineChatModel):
    def _stream(self, messages, *args, **kwargs):
        if sum(m.type == "human" for m in messages) >= 3:
            print("HUNG", flush=True)
            threading.Event().wait()  # until the parent kills us
        yield from super()._stream(messages, *args, **kwargs)

store = open_store(sys.argv[1])
graph = build_support_agent(HangsOnTurnThree(), store.checkpointer)
for text in sys.argv[3:]:
    for event in run_turn(graph, SUPPORT, sys.argv[2], text):
        pass
    print("DONE", flush=True)
"""


def test_sigkill_mid_turn_keeps_finished_turns(tmp_path):
    url, thread = f"sqlite:///{tmp_path / 'crash.db'}", new_thread_id()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, thread, *TUTORIAL[:3]],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = []
    for line in child.stdout:
        lines.append(line.strip())
        if line.startswith("HUNG"):
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert lines == ["DONE", "DONE", "HUNG"]

    store = open_store(url)
    graph = build_support_agent("offline", store.checkpointer)
    saved = graph.get_state(thread_config(thread))
    values = saved.values
    assert values["current_step"] == "resolution_specialist"
    assert [t["tool"] for t in values["transitions"]] == [
        "record_warranty_status",
        "record_issue_type",
    ]
    said = [m.content for m in values["messages"] if m.type == "human"]
    # One checkpoint per finished turn: the unfinished third turn is all that is lost.
    assert said == TUTORIAL[:2]
    assert not saved.next

    events = list(run_turn(graph, SUPPORT, thread, TUTORIAL[2]))  # the customer sends it again
    assert isinstance(events[-1], TurnEnd)
    assert [m.content for m in events[-1].state["messages"] if m.type == "human"] == TUTORIAL[:3]
    assert events[-1].state["turn"] == 3
    store.close()
