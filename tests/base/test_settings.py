"""Settings: one typed object, the only reader of the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support_agent.base.settings import settings
from support_agent.models import ModelConfigError, get_model, limits
from support_agent.store.storage import configured_url

PACKAGE = Path(__file__).resolve().parents[2] / "support_agent"


def _reads_environment(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            return any(alias.name in {"environ", "getenv"} for alias in node.names)
    return False


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if _reads_environment(ast.parse(path.read_text(), str(path)))
    ]
    assert readers == ["base/settings.py"]


@pytest.mark.parametrize("variable", ["SUPPORT_AGENT_TIMEOUT", "SUPPORT_AGENT_MAX_RETRIES"])
def test_an_unusable_limit_is_told_clearly(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "abc")
    message = "SUPPORT_AGENT_TIMEOUT must be a number of seconds and SUPPORT_AGENT_MAX_RETRIES"
    with pytest.raises(ModelConfigError, match=message):
        limits()
    with pytest.raises(ModelConfigError, match=message):
        get_model("openai:gpt-4.1-mini", api_key="typed-key")
    # Only what needs the limit fails: the store and the offline model still work.
    assert configured_url()
    assert get_model("offline") is not None


def test_a_changed_environment_is_seen_and_keys_stay_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUPPORT_AGENT_TIMEOUT", "7")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-shown")
    assert limits()[0] == 7.0
    assert "sk-never-shown" not in repr(settings())
    assert settings().api_key("OPENAI_API_KEY") == "sk-never-shown"
    monkeypatch.setenv("SUPPORT_AGENT_TIMEOUT", "")  # empty means the default, as before
    assert limits()[0] == 60.0
