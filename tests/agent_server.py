"""Starting LangGraph's own local server (`langgraph dev`) from the repository's langgraph.json.

Used by the `agent_server` fixture (tests/conftest.py), so every test that drives
the graphs on the server shares one way of starting and stopping it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.browser import free_port

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "langgraph.json"
START_TIMEOUT = 120.0  # seconds for the server to answer /ok; it takes a few on this machine


class AgentServer(str):
    """The base URL of a running `langgraph dev`; `.log` is its output file."""

    log: Path


def server_env() -> dict[str, str]:
    """This environment, with everything that could reach outside this machine off."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LANGSMITH_", "LANGCHAIN_", "LANGGRAPH_", "HANDOFF_AGENT_"))
        and k not in {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SUPPORT_AGENT_BASE_URL"}
    }
    env.update(
        LANGSMITH_TRACING="false",
        LANGCHAIN_TRACING_V2="false",
        LANGGRAPH_CLI_NO_ANALYTICS="1",  # langgraph_cli.analytics: no usage report
        LANGGRAPH_NO_VERSION_CHECK="true",  # langgraph_api.cli: no PyPI version check
        SUPPORT_AGENT_MODEL="offline",
        HANDOFF_REFERENCE_DATE="2026-06-15",
        PYTHONUNBUFFERED="1",
    )
    return env


def server_config(workdir: Path) -> Path:
    """The repository's langgraph.json with its paths resolved from the repository root.

    The server runs in `workdir` because its in-memory runtime writes
    `.langgraph_api/` into the working directory (the config's
    `disable_persistence` is dropped by the CLI's validation in 0.4.x).
    """
    config = json.loads(CONFIG.read_text())
    config["dependencies"] = [str((ROOT / d).resolve()) for d in config["dependencies"]]
    config["graphs"] = {
        name: f"{(ROOT / path).resolve()}:{attribute}"
        for name, (path, attribute) in (
            (name, spec.rsplit(":", 1)) for name, spec in config["graphs"].items()
        )
    }
    path = workdir / "langgraph.json"
    path.write_text(json.dumps(config))
    return path


def _wait_until_serving(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise AssertionError(
                f"langgraph dev exited with {process.returncode}:\n{log.read_text()}"
            )
        try:
            if httpx.get(f"{url}/ok", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.1)  # a moment for the server; returns at once if it exits
    raise AssertionError(
        f"langgraph dev did not serve {url} in {START_TIMEOUT}s:\n{log.read_text()}"
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@contextlib.contextmanager
def langgraph_dev(workdir: Path) -> Iterator[AgentServer]:
    """Run `langgraph dev` on loopback in `workdir`; yield its URL once it answers /ok."""
    port = free_port()
    url = AgentServer(f"http://127.0.0.1:{port}")
    url.log = workdir / "server.log"
    command = [
        sys.executable, "-m", "langgraph_cli", "dev",
        "--config", str(server_config(workdir)),
        "--host", "127.0.0.1", "--port", str(port),
        "--no-browser", "--no-reload",
    ]  # fmt: skip
    with url.log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=server_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped whole below
        )
    try:
        _wait_until_serving(process, url, url.log)
        yield url
    finally:
        _stop(process)


class StubServer(str):
    """The base URL of a stand-in for a server that misbehaves; `.requests` lists
    the (method, path) of every request it got, and `.release()` ends a hang."""

    requests: list[tuple[str, str]]
    release: Any


@contextlib.contextmanager
def misbehaving_server(behaviour: str) -> Iterator[StubServer]:
    """A loopback HTTP server that answers like a broken agent server:

    - "refuse_key": every request gets 401, as a server whose key is wrong;
    - "not_langgraph": every request gets 404, as an address that serves something else;
    - "hang": the thread exists, but a run's answer never comes (until `.release()`);
    - "pause_as_values": the thread exists and a run pauses for `PAUSED_TOOL`'s approval,
      told as Aegra 0.2.0 tells it: a values event holding only `__interrupt__`
      between two of the state, and no `__interrupt__` update.
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    released = threading.Event()
    seen: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            seen.append((self.command, self.path))
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            if behaviour == "refuse_key":
                self._json(401, {"detail": "Invalid API key"})
            elif behaviour == "pause_as_values" and self.path.endswith("/runs/stream"):
                self._sse(_paused_run_events())
            elif behaviour == "pause_as_values" and self.command == "GET":
                thread_id = self.path.split("/")[2]
                self._json(200, {"thread_id": thread_id, "status": "idle", "values": {},
                                 "metadata": {}})  # fmt: skip
            elif behaviour == "not_langgraph" or "/runs" not in self.path:
                if behaviour == "hang" and self.command == "GET":
                    thread_id = self.path.split("/")[2]
                    self._json(200, {"thread_id": thread_id, "status": "idle", "values": {},
                                     "metadata": {}})  # fmt: skip
                else:
                    self._json(404, {"detail": "Not Found"})
            else:
                released.wait(timeout=60)  # a run that never answers while the test waits
                self._json(503, {"detail": "gave up"})

        do_GET = do_POST = do_PATCH = do_DELETE = _answer

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client may have stopped waiting
                self.wfile.write(data)

        def _sse(self, events: list[tuple[str, object]]) -> None:
            data = "".join(f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in events).encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = StubServer(f"http://127.0.0.1:{server.server_address[1]}")
    url.requests, url.release = seen, released.set
    try:
        yield url
    finally:
        released.set()
        server.shutdown()
        server.server_close()


PAUSED_TOOL = "escalate_to_human"


def _paused_run_events() -> list[tuple[str, object]]:
    """A run that stops for a person's approval of `PAUSED_TOOL`, as Aegra streams it."""
    state = {"messages": [{"type": "human", "content": "I want to talk to a person", "id": "h1"}]}
    review = {
        "action_requests": [{"name": PAUSED_TOOL, "args": {}, "description": "Hand over?"}],
        "review_configs": [
            {"action_name": PAUSED_TOOL, "allowed_decisions": ["approve", "reject"]}
        ],
    }
    return [
        ("metadata", {"run_id": "run-1", "attempt": 1}),
        ("values", state),
        ("values", {"__interrupt__": [{"value": review, "id": "pause-1"}]}),
        ("values", state),
    ]
