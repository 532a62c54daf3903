"""The graphs on LangGraph's own local server (`langgraph dev`), driven through `langgraph-sdk`."""

import json
from pathlib import Path

import langgraph_cli.config
from langgraph.pregel import Pregel
from langgraph_sdk import get_sync_client

from support_agent import server_graphs
from support_agent.workflows import WORKFLOWS
from tests.helpers import TUTORIAL

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "langgraph.json"


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


def test_local_server_holds_a_tutorial_turn(agent_server):
    """The session's server (`agent_server` in conftest.py) runs the tutorial and a pause."""
    log = agent_server.log
    client = get_sync_client(url=agent_server, api_key=None)

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
