"""Choosing a model: the offline default, provider specs, keys, and the offline model's protocol."""

import csv
import functools
import operator
import socket
from itertools import combinations
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from support_agent import build_support_agent
from support_agent.core.engine import describe_failure
from support_agent.models import (
    KEY_VARS,
    PROVIDERS,
    MissingKeyError,
    ModelConfigError,
    OfflineChatModel,
    default_model_spec,
    get_model,
    resolve_model,
    resolve_spec,
)
from support_agent.models.providers import Provider, by_label, for_prefix, prefixes
from support_agent.workflows.support import SUPPORT
from tests.conftest import say
from tests.helpers import TUTORIAL

SECRET = "sk-test-DO-NOT-LEAK-0123456789abcdef"
TABLE = Path(__file__).parents[1] / "data" / "support_utterances.csv"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No model setting or key from the machine running the tests."""
    for var in ["SUPPORT_AGENT_MODEL", "SUPPORT_AGENT_BASE_URL", "OPENAI_BASE_URL"]:
        monkeypatch.delenv(var, raising=False)
    for var in KEY_VARS.values():
        if var:
            monkeypatch.delenv(var, raising=False)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection or resolve a name fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network touched: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


# --- Choosing ----------------------------------------------------------------------------


def test_offline_spec_is_the_offline_model():
    assert isinstance(get_model("offline"), OfflineChatModel)
    assert isinstance(get_model("  offline "), OfflineChatModel)


def test_default_is_offline_when_nothing_is_set(monkeypatch):
    assert default_model_spec() == "offline"
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "   ")
    assert default_model_spec() == "offline"
    assert isinstance(get_model(), OfflineChatModel)


def test_default_comes_from_the_environment(monkeypatch, no_network):
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "openai:gpt-4.1")
    assert default_model_spec() == "openai:gpt-4.1"
    with pytest.raises(MissingKeyError):
        get_model()
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    assert type(get_model()).__name__ == "ChatOpenAI"
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "offline")
    assert isinstance(get_model(), OfflineChatModel)


@pytest.mark.parametrize(
    ("spec", "variable"),
    [
        ("openai:gpt-4.1", "OPENAI_API_KEY"),
        ("anthropic:claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
    ],
)
def test_missing_key_names_the_variable(monkeypatch, spec, variable):
    with pytest.raises(MissingKeyError) as err:
        get_model(spec)
    assert err.value.variable == variable
    assert variable in str(err.value)
    assert "offline" in str(err.value)  # says what to do instead
    assert isinstance(err.value, ModelConfigError)

    monkeypatch.setenv(variable, "")  # an empty key is no key
    with pytest.raises(MissingKeyError):
        get_model(spec)


@pytest.mark.parametrize(
    ("spec", "variable", "cls", "name"),
    [
        ("openai:gpt-4.1", "OPENAI_API_KEY", "ChatOpenAI", "gpt-4.1"),
        ("anthropic:claude-sonnet-4-5", "ANTHROPIC_API_KEY", "ChatAnthropic", "claude-sonnet-4-5"),
    ],
)
def test_with_a_key_a_chat_model_is_built_offline(
    monkeypatch, no_network, spec, variable, cls, name
):
    monkeypatch.setenv(variable, SECRET)
    model = get_model(spec)
    assert isinstance(model, BaseChatModel)
    assert type(model).__name__ == cls
    assert (getattr(model, "model_name", None) or getattr(model, "model", None)) == name
    assert SECRET not in repr(model) and SECRET not in str(model)


def test_api_key_argument_wins_and_is_not_shown(no_network):
    model = get_model("openai:gpt-4.1", api_key=SECRET)
    assert type(model).__name__ == "ChatOpenAI"
    assert model.openai_api_key.get_secret_value() == SECRET
    assert SECRET not in repr(model)
    assert SECRET not in str(model.model_dump())


def test_openai_compatible_server_needs_no_key(monkeypatch, no_network):
    model = get_model("openai:qwen2.5-7b-instruct", base_url="http://localhost:8080/v1")
    assert type(model).__name__ == "ChatOpenAI"
    assert model.openai_api_base == "http://localhost:8080/v1"
    assert model.model_name == "qwen2.5-7b-instruct"

    monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", "http://127.0.0.1:11434/v1")
    from_env = get_model("openai:llama3.1")
    assert from_env.openai_api_base == "http://127.0.0.1:11434/v1"


def test_ollama_needs_no_key(no_network):
    model = get_model("ollama:llama3.1")
    assert type(model).__name__ == "ChatOllama"
    assert model.model == "llama3.1"


@pytest.mark.parametrize("spec", ["gpt4", "openai:", ":gpt-4.1", "openai", " : "])
def test_bad_spec_explains_the_form(spec):
    with pytest.raises(ModelConfigError) as err:
        get_model(spec)
    message = str(err.value)
    assert "provider:model" in message
    assert "openai:gpt-4.1" in message and "offline" in message


def test_unknown_provider_is_a_config_error(no_network):
    with pytest.raises(ModelConfigError) as err:
        get_model("nosuchprovider:model-x", api_key=SECRET)
    assert "nosuchprovider" in str(err.value)
    assert SECRET not in str(err.value) and SECRET not in repr(err.value)


def test_provider_name_is_case_insensitive():
    with pytest.raises(MissingKeyError):
        get_model("OpenAI:gpt-4.1")


def test_base_url_does_not_waive_other_providers_keys(monkeypatch, no_network):
    monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", "http://localhost:8080/v1")
    with pytest.raises(MissingKeyError):
        get_model("anthropic:claude-sonnet-4-5")


# --- One table of providers ---------------------------------------------------------------


def test_the_table_is_the_one_list_of_providers():
    assert prefixes() == ["openai", "anthropic", "google_genai", "mistralai", "groq", "ollama"]
    assert KEY_VARS == {
        "openai": "OPENAI_API_KEY",
        "anthropic": "ANTHROPIC_API_KEY",
        "google_genai": "GOOGLE_API_KEY",
        "mistralai": "MISTRAL_API_KEY",
        "groq": "GROQ_API_KEY",
        "ollama": None,
    }
    labels = [p.label for p in PROVIDERS]
    assert len(set(labels)) == len(labels)
    assert all(by_label(p.label) is p for p in PROVIDERS)
    assert [p.label for p in PROVIDERS if p.needs_base_url] == [
        "Ollama (local)",
        "OpenAI-compatible server",
    ]
    assert all(p.default_model for p in PROVIDERS if not p.offline)


@pytest.mark.parametrize(
    ("spec", "label", "name"),
    [
        ("offline", "Offline demo model", ""),
        ("groq:llama-3.1-8b-instant", "Groq", "llama-3.1-8b-instant"),
        ("google_genai:gemini-2.5-flash", "Google Gemini", "gemini-2.5-flash"),
        ("mistralai:mistral-small-latest", "Mistral", "mistral-small-latest"),
        ("Anthropic:claude-sonnet-4-5", "Anthropic", "claude-sonnet-4-5"),
        ("openai:gpt-4.1", "OpenAI", "gpt-4.1"),
        ("ollama:llama3.1", "Ollama (local)", "llama3.1"),
    ],
)
def test_a_setting_resolves_to_its_row(spec, label, name):
    provider, model = resolve_spec(spec)
    assert (provider.label, model) == (label, name)


def test_the_configured_setting_resolves_like_any_other(monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "groq:llama-3.1-8b-instant")
    assert resolve_spec() == (by_label("Groq"), "llama-3.1-8b-instant")
    monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", "http://localhost:8080/v1")
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "openai:qwen")
    assert resolve_spec()[0].label == "OpenAI-compatible server"  # the server the setting means
    assert for_prefix("ollama", base_url=False).label == "Ollama (local)"  # its only row


@pytest.mark.parametrize(
    ("spec", "variable"),
    [
        ("groq:llama-3.1-8b-instant", "GROQ_API_KEY"),
        ("google_genai:gemini-2.5-flash", "GOOGLE_API_KEY"),
        ("mistralai:mistral-small-latest", "MISTRAL_API_KEY"),
    ],
)
def test_every_keyed_provider_of_the_table_asks_for_its_key(spec, variable):
    with pytest.raises(MissingKeyError) as err:
        get_model(spec)
    assert err.value.variable == variable


def test_a_provider_outside_the_table_is_refused_by_name():
    with pytest.raises(ModelConfigError) as err:
        resolve_spec("bedrock:claude")
    message = str(err.value)
    assert "bedrock" in message
    assert all(prefix in message for prefix in prefixes()) and "offline" in message


def test_resolve_model_keeps_a_model_and_builds_from_a_setting(monkeypatch):
    model = OfflineChatModel()
    assert resolve_model(model) is model
    assert isinstance(resolve_model(None), OfflineChatModel)
    assert isinstance(resolve_model("offline"), OfflineChatModel)
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "groq:llama-3.1-8b-instant")
    with pytest.raises(MissingKeyError):
        resolve_model(None)  # the configured default, not silently offline


def test_rows_sharing_a_prefix_must_share_the_key_variable():
    from support_agent.models.providers import _check

    clash = (
        Provider("openai", "A", "OPENAI_API_KEY"),
        Provider("openai", "B", "OTHER_KEY"),
    )
    with pytest.raises(ValueError, match="disagree"):
        _check(clash)
    with pytest.raises(ValueError, match="unique"):
        _check((Provider("x", "Same", None), Provider("y", "Same", None)))


@pytest.mark.parametrize(
    ("spec", "kwargs"),
    [
        ("openai:gpt-4.1", {"temperature": "hot"}),
        ("anthropic:claude-sonnet-4-5", {"temperature": "hot"}),
        ("openai:gpt-4.1", {"base_url": 5}),
        ("ollama:llama3.1", {"temperature": "hot"}),
    ],
)
def test_config_errors_never_contain_the_key(no_network, spec, kwargs):
    with pytest.raises(ModelConfigError) as err:
        get_model(spec, api_key=SECRET, **kwargs)
    assert SECRET not in str(err.value) and SECRET not in repr(err.value)
    assert spec in str(err.value)


def test_provider_auth_failure_is_described_without_the_key():
    import httpx
    import openai

    refused = httpx.Response(401, request=httpx.Request("POST", "https://api.openai.com/v1"))
    error = describe_failure(
        openai.AuthenticationError(
            f"Incorrect API key provided: {SECRET}", response=refused, body=None
        )
    )
    assert error.kind == "config"
    assert SECRET not in error.message and SECRET not in repr(error)
    assert "key" in error.message.lower()


# --- The offline model's protocol --------------------------------------------------------


def conversations() -> list[tuple[str, list]]:
    """(step, messages) pairs built from the utterance table, one per row."""
    rows = list(csv.DictReader(TABLE.open(encoding="utf-8")))
    step_of = {
        "warranty": "warranty_collector",
        "issue": "issue_classifier",
        "resolution": "resolution_specialist",
    }
    out = []
    for row in rows:
        history: list = [HumanMessage("Hello, I need help with my device")]
        if row["kind"] != "warranty":
            warranty, _, issue = (row["facts"] or "in_warranty/").partition("/")
            calls = [("record_warranty_status", {"status": warranty})]
            if row["kind"] == "resolution":
                calls.append(("record_issue_type", {"issue_type": issue}))
            for i, (name, args) in enumerate(calls):
                history.append(
                    AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"c{i}"}])
                )
                history.append(ToolMessage("recorded", tool_call_id=f"c{i}"))
        out.append((step_of[row["kind"]], [*history, HumanMessage(row["text"])]))
    return out


CONVERSATIONS = conversations()


def another_problem() -> tuple[str, list]:
    """A case solved, then "I have another problem": the one way to a new case (a second
    fault in the message that states the first is one case, noted)."""
    _step, solving = next(c for c in CONVERSATIONS if c[0] == "resolution_specialist")
    solved = AIMessage("", tool_calls=[{"name": "provide_solution", "args": {}, "id": "s1"}])
    return "resolution_specialist", [
        *solving,
        solved,
        ToolMessage("given", tool_call_id="s1"),
        AIMessage("Anything else I can help with?"),
        HumanMessage("I have another problem: my tablet won't charge either"),
    ]


def test_stream_aggregates_to_the_same_tool_calls_as_invoke():
    model = OfflineChatModel(rules=SUPPORT.offline_rules)
    with_calls = 0
    for step, messages in CONVERSATIONS:
        bound = model.bind_tools(SUPPORT.step(step).tools)
        invoked = bound.invoke(messages)
        chunks = list(bound.stream(messages))
        assert len(chunks) > 1 or not invoked.text
        streamed = functools.reduce(operator.add, chunks)
        assert streamed.tool_calls == invoked.tool_calls, messages[-1].text
        assert not streamed.invalid_tool_calls
        assert streamed.text == invoked.text
        with_calls += bool(invoked.tool_calls)
    assert with_calls >= len(CONVERSATIONS) // 2  # the comparison covered real tool calls


def test_same_conversation_same_turns():
    def transcript():
        agent = build_support_agent(OfflineChatModel(), InMemorySaver())
        final = say(agent, {"configurable": {"thread_id": "same"}}, *TUTORIAL)
        return [(m.type, m.text, getattr(m, "tool_calls", None)) for m in final["messages"]]

    first, second = transcript(), transcript()
    assert first == second
    assert any(calls for _type, _text, calls in first)


def test_same_messages_same_reply_for_every_utterance():
    one, two = (OfflineChatModel(rules=SUPPORT.offline_rules) for _ in range(2))
    for step, messages in CONVERSATIONS:
        tools = SUPPORT.step(step).tools
        a = one.bind_tools(tools).invoke(messages)
        b = two.bind_tools(tools).invoke(messages)
        assert (a.text, a.tool_calls) == (b.text, b.tool_calls)


def tool_subsets():
    tools = SUPPORT.all_tools
    return [list(c) for n in (1, 2) for c in combinations(tools, n)]


def test_calls_only_tools_it_was_given():
    model = OfflineChatModel(rules=SUPPORT.offline_rules)
    calls_seen = set()
    for tools in [*tool_subsets(), *[list(s.tools) for s in SUPPORT.steps]]:
        names = {t.name for t in tools}
        bound = model.bind_tools(tools)
        for _step, messages in [*CONVERSATIONS, another_problem()]:
            reply = bound.invoke(messages)
            called = {c["name"] for c in reply.tool_calls}
            assert called <= names, (names, messages[-1].text, called)
            calls_seen |= called
    assert calls_seen == {t.name for t in SUPPORT.all_tools}  # every tool was exercised


def test_without_tools_it_calls_none():
    model = OfflineChatModel()
    for _step, messages in CONVERSATIONS[:20]:
        assert model.invoke(messages).tool_calls == []


def test_the_offline_model_follows_only_the_rules_it_is_given():
    tools = SUPPORT.step("warranty_collector").tools
    messages = [HumanMessage("Yes, it's still under warranty")]
    bare = OfflineChatModel().bind_tools(tools).invoke(messages)
    assert bare.tool_calls == [] and "no workflow's rules" in bare.text
    served = OfflineChatModel(rules=SUPPORT.offline_rules).bind_tools(tools).invoke(messages)
    assert [c["name"] for c in served.tool_calls] == ["record_warranty_status"]
