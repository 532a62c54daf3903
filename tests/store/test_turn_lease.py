"""A turn's lease outlives the turn, goes when its holder dies, and fences what it writes."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from support_agent import build_support_agent
from support_agent.core.engine import Error, TurnEnd, new_thread_id, run_turn
from support_agent.core.errors import Cause, Kind
from support_agent.features.app_store import open_store
from support_agent.models import OfflineChatModel
from support_agent.store.turn_lease import TurnLeases
from support_agent.workflows.support import SUPPORT
from tests.browser import ROOT
from tests.helpers import TUTORIAL, customer_said

# A turn whose model hangs until the process is killed: the app dies mid-turn.
HANGING_CHILD = r"""
import sys, threading
from support_agent import build_support_agent
from support_agent.core.engine import run_turn
from support_agent.models import OfflineChatModel
from support_agent.features.app_store import open_store
from support_agent.workflows.support import SUPPORT

class Hangs(OfflineChatModel):
    def _stream(self, messages, *args, **kwargs):
        print("HUNG", flush=True)
        threading.Event().wait()  # until the parent kills us
        yield from ()

url, thread = sys.argv[1:3]
store = open_store(url)
graph = build_support_agent(Hangs(), store.checkpointer)
for event in run_turn(graph, SUPPORT, thread, sys.argv[3], lease=store.leases.hold(thread)):
    pass
"""
RESTART_DEADLINE = 10.0  # seconds: a restarted app answers this soon, not after the old TTL


def blocking_model() -> tuple[OfflineChatModel, threading.Event, threading.Event]:
    """The offline model held at its first call (`entered`) until the test sets `go`."""
    entered, go = threading.Event(), threading.Event()

    class Blocking(OfflineChatModel):
        def _stream(self, messages, *args, **kwargs) -> Iterator:
            entered.set()
            go.wait(60)
            yield from super()._stream(messages, *args, **kwargs)

    return Blocking(), entered, go


def send(graph, thread: str, text: str, leases: TurnLeases) -> list:
    return list(run_turn(graph, SUPPORT, thread, text, lease=leases.hold(thread)))


def in_background(graph, thread: str, text: str, leases: TurnLeases) -> tuple:
    """Run a turn on a thread of its own; its events land in the returned list."""
    events: list = []
    worker = threading.Thread(target=lambda: events.extend(send(graph, thread, text, leases)))
    worker.start()
    return worker, events


def test_a_killed_app_leaves_no_lease_behind_after_a_restart(store_url):
    thread = new_thread_id()
    child = subprocess.Popen(
        [sys.executable, "-c", HANGING_CHILD, store_url, thread, TUTORIAL[0]],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "HUNG"  # mid-turn, holding the lease
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    store = open_store(store_url)  # the app, started again
    graph = build_support_agent("offline", store.checkpointer)
    deadline = time.monotonic() + RESTART_DEADLINE
    while True:
        events = send(graph, thread, TUTORIAL[0], store.leases)
        if isinstance(events[-1], TurnEnd) or time.monotonic() > deadline:
            break
        assert events[-1].cause == Cause.BUSY, events[-1]
        threading.Event().wait(0.1)  # poll again
    assert isinstance(events[-1], TurnEnd), "the dead turn's lease still refuses every send"
    assert customer_said(graph, thread) == [TUTORIAL[0]]
    store.close()


def test_a_turn_longer_than_the_lease_ttl_keeps_the_thread(store_url):
    store = open_store(store_url)
    leases = TurnLeases(store.db, ttl=0.5, renew_every=0.1)
    (model, entered, go), thread = blocking_model(), new_thread_id()
    graph = build_support_agent(model, store.checkpointer)
    offline = build_support_agent("offline", store.checkpointer)
    worker, first = in_background(graph, thread, TUTORIAL[0], leases)
    assert entered.wait(30)

    # Another tab keeps sending while the first turn runs on, well past the TTL.
    until = time.monotonic() + 4 * leases.ttl
    while time.monotonic() < until:
        refused = send(offline, thread, "second tab", leases)
        assert isinstance(refused[-1], Error) and refused[-1].cause == Cause.BUSY, refused[-1]
        go.wait(leases.ttl / 5)  # pace the attempts (the turn is still held)

    go.set()
    worker.join(60)
    assert isinstance(first[-1], TurnEnd), first[-1]
    assert isinstance(send(offline, thread, TUTORIAL[1], leases)[-1], TurnEnd)
    assert customer_said(offline, thread) == TUTORIAL[:2]  # nothing on a hidden branch
    store.close()


def _take_the_lease_away(store, thread: str) -> None:
    """What a second sender does once the first turn's lease has gone."""
    if store.kind == "postgres":  # the lock's connection dropped (a network cut, a restart)
        store.db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid <> pg_backend_pid()"
        )
    else:  # the row lapsed while the holder could not renew it, and another tab took it
        store.db.execute("UPDATE hs_turn_leases SET owner = 'another tab' WHERE thread_id = ?",
                         (thread,))  # fmt: skip


def test_a_turn_that_lost_its_lease_saves_nothing_and_says_so(store_url):
    store = open_store(store_url)
    leases = TurnLeases(store.db, ttl=30, renew_every=0.1)
    (model, entered, go), thread = blocking_model(), new_thread_id()
    graph = build_support_agent(model, store.checkpointer)
    worker, first = in_background(graph, thread, TUTORIAL[0], leases)
    assert entered.wait(30)

    _take_the_lease_away(store, thread)
    go.set()
    worker.join(60)

    end = first[-1]
    assert isinstance(end, Error), end  # not a TurnEnd: the reply was not saved
    if store.kind == "postgres":
        assert (end.kind, end.cause) == (Kind.STORE, Cause.STORE_UNAVAILABLE)
    else:
        assert (end.kind, end.cause) == (Kind.BUSY, Cause.LEASE_LOST)
        assert "not saved" in end.message
    assert TUTORIAL[0] not in customer_said(graph, thread)
    store.close()


def test_the_busy_notice_is_gone_once_a_message_gets_through(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'tabs.db'}"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    at = AppTest.from_file("../../app.py", default_timeout=60).run()
    at.chat_input[0].set_value(TUTORIAL[0]).run()
    thread = at.query_params["thread"]

    other_tab = open_store(url)
    with other_tab.leases.hold(thread):  # another tab is answering right now
        at.chat_input[0].set_value(TUTORIAL[1]).run()
    assert any("another tab" in e.value for e in at.error)

    at.chat_input[0].set_value(TUTORIAL[1]).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    said = [m.markdown[0].value for m in at.chat_message if m.name == "user"]
    assert said == TUTORIAL[:2]  # once each: no leftover copy from the refused send
    other_tab.close()


@pytest.mark.parametrize("holder_alive", [True, False])
def test_only_a_dead_local_holder_is_taken_over_before_its_ttl(tmp_path, holder_alive):
    store = open_store(f"sqlite:///{tmp_path / 'owners.db'}")
    thread = new_thread_id()
    # A live process that holds the lease: it waits on its stdin until killed.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        from support_agent.store.turn_lease import _process

        leases, identity = store.leases, _process(holder.pid)
        assert identity, "this machine names its processes (/proc)"
        store.db.execute(
            "INSERT INTO hs_turn_leases (thread_id, owner, expires_at) VALUES (?, ?, ?)",
            (thread, f"token {identity}", time.time() + 300),
        )
        if not holder_alive:
            holder.kill()
            holder.wait()
        events = send(build_support_agent("offline", store.checkpointer), thread, "hi", leases)
        assert isinstance(events[-1], TurnEnd if not holder_alive else Error), events[-1]
    finally:
        holder.kill()
        holder.wait()
        store.close()


@pytest.mark.postgres
def test_a_postgres_restart_mid_turn_leaves_no_lease_behind():
    import contextlib

    from tests.pg import ThrowawayPostgres

    server = ThrowawayPostgres()
    server.start()
    try:
        store = open_store(server.url)
        (model, entered, go), thread = blocking_model(), new_thread_id()
        graph = build_support_agent(model, store.checkpointer)
        worker, first = in_background(graph, thread, TUTORIAL[0], store.leases)
        assert entered.wait(30)

        server.stop()  # PostgreSQL goes away mid-turn, and comes back
        server.start()
        offline = build_support_agent("offline", store.checkpointer)
        deadline = time.monotonic() + RESTART_DEADLINE
        while True:  # another tab sends on the conversation
            events = send(offline, thread, TUTORIAL[1], store.leases)
            if isinstance(events[-1], TurnEnd) or time.monotonic() > deadline:
                break
            threading.Event().wait(0.1)  # poll again
        assert isinstance(events[-1], TurnEnd), events[-1]

        go.set()  # the turn that lost its lock with the old server ends: it saves nothing
        worker.join(60)
        assert isinstance(first[-1], Error) and first[-1].kind == Kind.STORE, first[-1]
        assert customer_said(offline, thread) == [TUTORIAL[1]]
        store.close()
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already down
            server.stop()
        server.remove()
