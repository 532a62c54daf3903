"""A room of browsers: N sessions typing into the running app, as browsers do; its rows are
`bench/run_all.py --only room` (bench/README.md).

Each session speaks Streamlit's browser protocol over the server's websocket and draws nothing,
so the times are the server's share, on the app and on `bench/bare_chat_page.py` alike.
"""

from __future__ import annotations

import asyncio
import random
import re
import sys
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutorial_agent import TURNS as TUTORIAL  # noqa: E402

TURNS = [*TUTORIAL, "How long does the repair take?"]  # the tutorial's turns, then a follow-up
TURN_TIMEOUT = 120.0  # seconds; a turn with no reply by then is an error
BARE_PAGE = "bench/bare_chat_page.py"
_ESCAPED = re.compile(r"\\(.)")
DONE = ForwardMsg.FINISHED_SUCCESSFULLY


@dataclass
class Turn:
    text: str
    reply: float | None = None  # seconds from send to the reply's first text
    done: float | None = None  # seconds from send to the page's run finished
    error: str | None = None


@dataclass
class Session:
    base: str
    think: float = 0.0
    seed: int = 0
    turns: list[Turn] = field(default_factory=list)
    thread: str | None = None  # from ?thread= once the app publishes it
    error: str | None = None
    load: float | None = None  # seconds to the first page's run finished

    def __post_init__(self) -> None:
        self._query = ""
        self._page_hash = ""
        self._input_id: str | None = None
        self._timers: dict[str, asyncio.Task] = {}
        self._finished = asyncio.Event()
        self._turn: Turn | None = None
        self._sent = 0.0
        self._seen_user = False
        self._assistant: list[int] | None = None

    def _rerun(self, text: str | None = None, fragment: str = "") -> bytes:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self._query
        state.page_script_hash = self._page_hash
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.is_embedded, info.color_scheme = self.base + "/", False, "light"
        state.widget_states.SetInParent()
        if text is not None:  # Enter in the chat input: its value rides on this rerun only
            widget = state.widget_states.widgets.add()
            widget.id = self._input_id
            widget.chat_input_value.data = text
            widget.chat_input_value.file_uploader_state.SetInParent()
        if fragment:
            state.fragment_id, state.is_auto_rerun = fragment, True
        return msg.SerializeToString()

    def _xsrf(self) -> str:
        """The XSRF cookie a GET of the page sets, as in a browser."""
        with urllib.request.urlopen(self.base + "/", timeout=30) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                if name.strip() == "_streamlit_xsrf":
                    return rest.split(";")[0]
        return ""

    async def run(self, texts: list[str], go: asyncio.Event) -> None:
        try:
            xsrf = await asyncio.to_thread(self._xsrf)
            url = self.base.replace("http://", "ws://") + "/_stcore/stream"
            async with websockets.connect(
                url,
                subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
                additional_headers={"Cookie": f"_streamlit_xsrf={xsrf}", "Origin": self.base},
                max_size=None,
                open_timeout=60,
            ) as ws:
                reader = asyncio.create_task(self._read(ws))
                try:
                    await self._talk(ws, texts, go)
                finally:
                    reader.cancel()
                    for timer in self._timers.values():
                        timer.cancel()
        except Exception as exc:  # noqa: BLE001 - a session that fails is counted, not fatal
            self.error = f"{type(exc).__name__}: {exc}"
            for turn in self.turns:
                if turn.reply is None and turn.error is None:
                    turn.error = self.error

    async def _talk(self, ws, texts: list[str], go: asyncio.Event) -> None:
        start = time.perf_counter()
        self._finished.clear()
        await ws.send(self._rerun())
        await asyncio.wait_for(self._finished.wait(), TURN_TIMEOUT)
        self.load = time.perf_counter() - start
        if self._input_id is None:
            raise RuntimeError("the page drew no chat input")
        await go.wait()  # the whole room is in; everyone starts typing
        pause = random.Random(self.seed)
        for text in texts:
            if self.think:
                await asyncio.sleep(pause.uniform(0.5, 1.5) * self.think)
            turn = Turn(text)
            self.turns.append(turn)
            self._turn, self._seen_user, self._assistant = turn, False, None
            self._finished.clear()
            self._sent = time.perf_counter()
            await ws.send(self._rerun(text))
            try:
                await asyncio.wait_for(self._finished.wait(), TURN_TIMEOUT)
            except TimeoutError:
                turn.error = turn.error or "no reply in time"
            if turn.reply is None and turn.error is None:
                turn.error = "the page finished without a reply"
            self._turn = None

    async def _read(self, ws) -> None:
        async for payload in ws:
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            self._on(ws, msg)

    def _on(self, ws, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        now = time.perf_counter() - self._sent
        turn = self._turn
        if kind == "delta":
            self._on_delta(msg, now)
        elif kind == "page_info_changed":
            self._query = msg.page_info_changed.query_string
            if found := re.search(r"(?:^|&)thread=([^&]+)", self._query):
                self.thread = found.group(1)
        elif kind == "auto_rerun":  # a timed fragment: the browser reruns it on its interval
            fragment = msg.auto_rerun.fragment_id
            if old := self._timers.pop(fragment, None):
                old.cancel()
            self._timers[fragment] = asyncio.create_task(
                self._every(ws, msg.auto_rerun.interval, fragment)
            )
        elif kind == "stop_auto_rerun":
            for fragment in msg.stop_auto_rerun.fragment_ids:
                if old := self._timers.pop(fragment, None):
                    old.cancel()
        elif kind == "script_finished":
            status = msg.script_finished
            # A run cut short for another (`st.rerun`) or a fragment's run is not the end.
            if status in (DONE, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                if turn is not None and turn.reply is not None and turn.done is None:
                    turn.done = now
                self._finished.set()

    def _on_delta(self, msg: ForwardMsg, now: float) -> None:
        delta = msg.delta
        path = list(msg.metadata.delta_path)
        turn = self._turn
        if delta.HasField("new_element"):
            element = delta.new_element
            kind = element.WhichOneof("type")
            if kind == "chat_input":
                self._input_id = element.chat_input.id
                self._page_hash = msg.metadata.active_script_hash
            elif kind == "exception" and turn is not None:
                turn.error = turn.error or f"exception: {element.exception.message[:200]}"
            elif kind == "markdown" and turn is not None and turn.reply is None:
                body = element.markdown.body
                if not self._seen_user and _ESCAPED.sub(r"\1", body) == turn.text:
                    self._seen_user = True
                elif (
                    self._assistant is not None
                    and path[: len(self._assistant)] == self._assistant
                    and body.strip()
                ):
                    turn.reply = now
        elif delta.HasField("add_block") and turn is not None and self._seen_user:
            block = delta.add_block
            bubble = block.WhichOneof("type") == "chat_message"
            if bubble and block.chat_message.name != "user" and self._assistant is None:
                self._assistant = path

    async def _every(self, ws, interval: float, fragment: str) -> None:
        while True:
            await asyncio.sleep(interval)
            await ws.send(self._rerun(fragment=fragment))


@dataclass
class Room:
    sessions: list[Session]

    @property
    def turns(self) -> list[Turn]:
        return [t for s in self.sessions for t in s.turns]

    def times(self, what: str = "reply") -> list[float]:
        return sorted(getattr(t, what) for t in self.turns if getattr(t, what) is not None)

    @property
    def errors(self) -> int:
        lost_sessions = sum(1 for s in self.sessions if s.error and not s.turns)
        return sum(1 for t in self.turns if t.error) + lost_sessions


def p(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (nan when none)."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))]


async def _room(base: str, n: int, texts: list[str], think: float) -> Room:
    go = asyncio.Event()
    sessions = [Session(base, think=think, seed=i) for i in range(n)]
    tasks = [asyncio.create_task(s.run(texts, go)) for s in sessions]
    # Everyone's page is loaded before anyone types (or has failed trying).
    while any(s.load is None and s.error is None for s in sessions):
        await asyncio.sleep(0.05)
    go.set()
    await asyncio.gather(*tasks)
    return Room(sessions)


def room(base: str, n: int, texts: list[str] = TURNS, think: float = 0.0) -> Room:
    return asyncio.run(_room(base, n, texts, think))


def lost_turns(url: str, sessions: list[Session]) -> int:
    """Turns a session saw answered that the store on disk does not hold: each thread must
    hold every message sent, in order, and a turn point per turn."""
    from support_agent.core.engine import thread_config
    from support_agent.core.state_view import customer_turns
    from support_agent.features.app_store import open_store

    store = open_store(url)
    lost = 0
    try:
        for session in sessions:
            sent = [t.text for t in session.turns]
            if session.thread is None:
                lost += len(sent)
                continue
            saved = store.checkpointer.get_tuple(thread_config(session.thread))
            values = saved.checkpoint["channel_values"] if saved else {}
            kept = customer_turns(values.get("messages") or [])
            points = len(store.turn_points.of(session.thread))
            held = sum(1 for a, b in zip(sent, kept, strict=False) if a == b)
            lost += len(sent) - min(held, points)
    finally:
        store.close()
    return lost


def compare(tmp: Path, sizes: list[int], think: float, stress: int | None = None):
    """Each room size on the app and on the bare page: (sessions, pause, app, bare, turns
    answered in the app that its store on disk does not hold), as each is measured."""
    from tests.browser import streamlit_server

    url = f"sqlite:///{tmp / 'room.db'}"
    env = {"HANDOFF_DB_URL": url, "SUPPORT_AGENT_MODEL": "offline"}
    with ExitStack() as stack:
        app = stack.enter_context(streamlit_server(env))
        bare = stack.enter_context(streamlit_server({}, script=BARE_PAGE))
        room(app, 1, TURNS[:1])  # the first visitor opens the store and builds the graphs
        room(bare, 1, TURNS[:1])
        for n, pause in [(n, think) for n in sizes] + ([(stress, 0.0)] if stress else []):
            on_app, on_bare = room(app, n, think=pause), room(bare, n, think=pause)
            yield n, pause, on_app, on_bare, lost_turns(url, on_app.sessions)
