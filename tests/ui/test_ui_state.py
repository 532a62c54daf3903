"""Names kept in one place: the providers the model picker offers (the table the CLI
reads too), every session-state key, and typed contexts for the UI's functions."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import support_agent
from support_agent.models import PROVIDERS
from support_agent.ui import keys
from tests.helpers import TUTORIAL, customer_bubbles, send, start

PACKAGE = Path(support_agent.__file__).parent
ROOT = PACKAGE.parent
UI = PACKAGE / "ui"
# Modules that still spell their own key until they import it from keys.py; their
# strings must already be the ones keys.py names.
PENDING: set[str] = set()


@pytest.fixture(autouse=True)
def offline_in_memory(monkeypatch):
    monkeypatch.setenv("HANDOFF_DB_URL", "memory://")
    for name in ("SUPPORT_AGENT_MODEL", "SUPPORT_AGENT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for provider in PROVIDERS:
        if provider.key_var:
            monkeypatch.delenv(provider.key_var, raising=False)


# --- The model picker reads the providers' table ------------------------------------------


def test_the_picker_offers_every_row_of_the_table():
    at = start()
    assert at.selectbox(key=keys.MODEL_LABEL).options == [p.label for p in PROVIDERS]


def test_a_configured_groq_model_is_the_pickers_choice_not_the_offline_one(monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "groq:llama-3.1-8b-instant")
    at = start()
    assert at.selectbox(key=keys.MODEL_LABEL).value == "Groq"
    assert at.text_input(key=keys.MODEL_NAME.format("Groq")).value == "llama-3.1-8b-instant"
    assert any("groq:llama-3.1-8b-instant" in c.value for c in at.caption)

    send(at, TUTORIAL[0])  # no GROQ_API_KEY: said, and the message is kept for Retry
    assert any("GROQ_API_KEY" in e.value for e in at.error)
    assert customer_bubbles(at) == [TUTORIAL[0]]
    assert len(at.chat_message) == 1  # the offline model did not answer instead


def test_an_unusable_configured_model_is_said_not_silently_replaced(monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "bedrock:claude")
    at = start()
    assert at.selectbox(key=keys.MODEL_LABEL).value == "Offline demo model"
    said = [c.value for c in at.sidebar.caption if "can't be used" in c.value]
    assert said and "bedrock" in said[0] and "groq" in said[0]


def test_another_provider_starts_with_its_own_model_name(monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "openai:gpt-4.1")
    at = start()
    assert at.text_input(key=keys.MODEL_NAME.format("OpenAI")).value == "gpt-4.1"
    at.selectbox(key=keys.MODEL_LABEL).set_value("Anthropic").run()
    assert at.text_input(key=keys.MODEL_NAME.format("Anthropic")).value == "claude-sonnet-4-5"


def test_an_openai_setting_with_a_configured_server_opens_on_that_server(monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "openai:qwen2.5")
    at = start()
    label = "OpenAI-compatible server"
    assert at.selectbox(key=keys.MODEL_LABEL).value == label
    assert at.text_input(key=keys.MODEL_NAME.format(label)).value == "qwen2.5"
    assert at.text_input(key=keys.MODEL_URL.format(label)).value == "http://127.0.0.1:9/v1"


# --- Session-state keys -------------------------------------------------------------------


def _named_keys() -> dict[str, str]:
    return {
        name: value
        for name, value in vars(keys).items()
        if name.isupper() and isinstance(value, str)
    }


def test_every_key_is_named_once():
    named = _named_keys()
    values = list(named.values())
    assert len(values) == len(set(values)), "two names for one key"
    assert set(keys.NEW_CONVERSATION_RESETS) <= set(values)
    assert keys.PROMPTS_SOURCE == "prompts.source"
    spelled = [
        path.relative_to(ROOT)
        for path in PACKAGE.rglob("*.py")
        if '"prompts.source"' in path.read_text(encoding="utf-8")
    ]
    assert spelled == [Path("support_agent/ui/keys.py")]


def test_new_conversation_forgets_exactly_the_listed_keys():
    at = start()
    send(at, TUTORIAL[0])
    thread = at.query_params["thread"]
    for key in keys.NEW_CONVERSATION_RESETS:
        at.session_state[key] = None  # present, and harmless to the page
    at.session_state[keys.TURN_EDITING] = "a-checkpoint"
    kept = {
        keys.TIMELINE_ALL: thread,
        keys.SCENARIOS_PICKER.known: {"a scenario"},
        "chat.turnstile": "not listed, so not a new conversation's to clear",
    }
    for key, value in kept.items():
        at.session_state[key] = value

    next(b for b in at.button if b.label == "New conversation").click().run()
    assert not at.exception, at.exception
    assert at.session_state[keys.THREAD] != thread
    for key in keys.NEW_CONVERSATION_RESETS:
        assert key not in at.session_state, key
    for key, value in kept.items():
        assert at.session_state[key] == value, key
    assert at.session_state[keys.MODEL_LABEL] == "Offline demo model"


def _sources() -> list[Path]:
    return [*sorted(UI.glob("*.py")), ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]


def _spelled_keys(tree: ast.AST) -> list[tuple[int, str]]:
    """Session-state keys written as literals: `key=`, `session_state[...]`,
    `session_state.get/pop/setdefault(...)`, `... in session_state`, `X_KEY = "..."`
    (`session_state` also under a local name, as in `ss = st.session_state`)."""
    found = []
    aliases = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "session_state"
        for target in node.targets
        if isinstance(target, ast.Name)
    }

    def _is_session_state(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in aliases
        return isinstance(node, ast.Attribute) and node.attr == "session_state"

    def literal(node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return ast.unparse(node)
        return None

    for node in ast.walk(tree):
        candidates: list[ast.AST | None] = []
        if isinstance(node, ast.keyword) and node.arg == "key":
            candidates.append(node.value)
        elif isinstance(node, ast.Subscript) and _is_session_state(node.value):
            candidates.append(node.slice)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and _is_session_state(node.func.value)
            and node.args
        ):
            candidates.append(node.args[0])
        elif isinstance(node, ast.Compare) and any(_is_session_state(c) for c in node.comparators):
            candidates.append(node.left)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id.endswith("KEY") for t in node.targets
        ):
            candidates.append(node.value)
        for candidate in candidates:
            if (text := literal(candidate)) is not None:
                found.append((node.lineno, text))
    return found


def test_no_session_state_key_is_spelled_outside_keys_py():
    named = set(_named_keys().values())
    stray = {}
    for path in _sources():
        if path.name == "keys.py":
            continue
        spelled = _spelled_keys(ast.parse(path.read_text(encoding="utf-8")))
        if path.name in PENDING:  # tolerated for now, as long as it is keys.py's string
            spelled = [(line, text) for line, text in spelled if text not in named]
        if spelled:
            stray[str(path.relative_to(ROOT))] = spelled
    assert not stray, f"keys spelled outside support_agent/ui/keys.py: {stray}"


def test_the_scan_finds_a_spelled_key():
    source = (
        'import streamlit as st\nDONE_KEY = "x.done"\nst.session_state["a"] = 1\n'
        'st.session_state.get(f"b.{1}")\nst.button("B", key="c")\nif "d" in st.session_state: pass\n'
        'ss = st.session_state\nss.pop("e", None)\nif "f" not in ss: pass\n'
    )
    found = sorted(text for _line, text in _spelled_keys(ast.parse(source)))
    assert found == sorted(["x.done", "a", "f'b.{1}'", "c", "d", "e", "f"])


# --- Typed contexts -----------------------------------------------------------------------


def test_ui_functions_that_take_the_context_say_so():
    untyped = []
    for path in sorted(UI.glob("*.py")):
        if path.name in PENDING:
            continue
        module = importlib.import_module(f"support_agent.ui.{path.stem}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__:
                continue
            parameter = inspect.signature(function).parameters.get("ctx")
            if parameter is not None and parameter.annotation != "Context":
                untyped.append(f"{path.stem}.{name}")
    assert not untyped, f"`ctx` without its type: {untyped}"
