"""The graphs on LangGraph's own local server (`langgraph dev`), driven through `langgraph-sdk`."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import langgraph_cli.config
from langgraph.pregel import Pregel
from langgraph_sdk import get_sync_client

from support_agent import server_graphs
from support_agent.workflows import WORKFLOWS
from tests.helpers import TUTORIAL

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "langgraph.json"
START_TIMEOUT = 120.0  # seconds for the server to answer /ok; it takes a few on this machine


def test_langgraph_json_names_exactly_the_registered_workflows():
    config = json.loads(CONFIG.read_text())
    assert config["graphs"] == server_graphs.langgraph_graphs()
    assert set(config["graphs"]) == set(WORKFLOWS)
    # The CLI's own validation, as `langgraph dev` / `langgraph build` run it.
    assert langgraph_cli.config.validate_config_file(CONFIG)["graphs"] == config["graphs"]


def test_each_factory_builds_its_graph_without_a_checkpointer():
    for name in WORKFLOWS:
        path, attribute = json.loads(CONFIG.read_text())["graphs"][name].rsplit(":", 1)
        assert (ROOT / path).resolve() == Path(server_graphs.__file__).resolve()
        graph = getattr(server_graphs, attribute)()
        assert isinstance(graph, Pregel)
        assert graph.checkpointer is None  # the server brings its own persistence


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env() -> dict[str, str]:
    """This environment, with everything that could reach outside this machine off."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LANGSMITH_", "LANGCHAIN_", "LANGGRAPH_"))
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


def _server_config(workdir: Path) -> Path:
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


def test_local_server_holds_a_tutorial_turn(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    command = [
        sys.executable,
        "-m",
        "langgraph_cli",
        "dev",
        "--config",
        str(_server_config(tmp_path)),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-browser",
        "--no-reload",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            env=_server_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped whole below
        )
    try:
        _wait_until_serving(process, url, log)
        client = get_sync_client(url=url)

        assistants = client.assistants.search(limit=100)
        assert {a["graph_id"] for a in assistants} == set(WORKFLOWS), log.read_text()
        for assistant in assistants:  # what Studio draws and the input form it offers
            assert client.assistants.get_graph(assistant["assistant_id"])["nodes"]
            assert "messages" in str(client.assistants.get_schemas(assistant["assistant_id"]))

        thread = client.threads.create()
        for text in TUTORIAL[:2]:
            client.runs.wait(
                thread["thread_id"],
                "support",
                input={"messages": [{"role": "user", "content": text}]},
            )
        values = client.threads.get_state(thread["thread_id"])["values"]
        assert values.get("current_step") == "resolution_specialist", log.read_text()
        assert values.get("warranty_status") == "in_warranty"
        assert [m["type"] for m in values["messages"]].count("human") == 2

        # With approvals in the run's context, a hand-over pauses for a person there too.
        paused = client.threads.create()
        client.runs.wait(
            paused["thread_id"],
            "support",
            input={"messages": [{"role": "user", "content": "I want to talk to a person"}]},
            context={"approvals": True},
        )
        state = client.threads.get_state(paused["thread_id"])
        [waiting] = state["interrupts"]
        assert waiting["value"]["action_requests"][0]["name"] == "escalate_to_human"
        client.runs.wait(
            paused["thread_id"],
            "support",
            command={"resume": {"decisions": [{"type": "approve"}]}},
            context={"approvals": True},
        )
        values = client.threads.get_state(paused["thread_id"])["values"]
        assert [m.get("name") for m in values["messages"] if m["type"] == "tool"] == [
            "escalate_to_human"
        ]
    finally:
        _stop(process)
