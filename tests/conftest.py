import os

# Purchase dates are judged against this date in every test: the same words,
# the same verdict, whatever the calendar says (docs/LABELS.md uses it too).
os.environ.setdefault("HANDOFF_REFERENCE_DATE", "2026-06-15")

import uuid
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from support_agent import build_support_agent
from tests.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def agent():
    return build_support_agent("offline", InMemorySaver())


@pytest.fixture
def thread():
    return {"configurable": {"thread_id": str(uuid.uuid4())}}


def say(agent, config, *texts):
    """Send customer turns one by one; return the final state."""
    result = None
    for text in texts:
        result = agent.invoke({"messages": [HumanMessage(text)]}, config)
    return result


def tools_called(result, since_human: int = -1) -> list[str]:
    """Names of tools the agent called after the customer's last message."""
    humans = [i for i, m in enumerate(result["messages"]) if m.type == "human"]
    start = humans[since_human]
    return [c["name"] for m in result["messages"][start:] if m.type == "ai" for c in m.tool_calls]


@pytest.fixture(scope="session")
def postgres_admin_url():
    from tests.pg import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture
def store(tmp_path):
    """The app's store on a SQLite file of the test's own."""
    from support_agent.features.app_store import open_store

    opened = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """A fresh store of each kind: the persistence suite runs once per back end."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'handoff.db'}"
    from tests.pg import fresh_database

    return fresh_database(request.getfixturevalue("postgres_admin_url"))


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def app_url(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    for name in ("SUPPORT_AGENT_MODEL", "SUPPORT_AGENT_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return url


@pytest.fixture(scope="session")
def agent_server(tmp_path_factory):
    """LangGraph's own local server (`langgraph dev`) on loopback, serving the
    repository's langgraph.json with the offline model; its URL (`.log`: its output)."""
    from tests.agent_server import langgraph_dev

    with langgraph_dev(tmp_path_factory.mktemp("langgraph-dev")) as url:
        yield url
