"""Every setting the product reads from the environment, in one typed object.

The only module that reads `os.environ`. `settings()` caches on the snapshot of the variables
it reads, so tests that change the environment see the change with no cache to clear. API keys
are `SecretStr`; the UI merges `.streamlit/secrets.toml` itself (`ui.runtime.secret`).
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Keys are found by this suffix, so a provider added to `models.providers` needs no field.
KEY_SUFFIX = "_API_KEY"
AGENT_KEY_VARIABLE = "HANDOFF_AGENT_API_KEY"


class SettingsError(ValueError): ...


class Settings(BaseSettings):
    """The environment, typed; field names are the variables' names, lower-cased."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    support_agent_model: str = ""  # "" means the offline model
    support_agent_base_url: str = ""  # the operator's OpenAI-compatible server
    support_agent_timeout: float = 60.0  # seconds one answer may take, retries included
    support_agent_max_retries: int = 2  # retries of a failed request
    handoff_db_url: str = ""
    handoff_operators: str = ""  # comma-separated emails of operators
    handoff_allow_visitor_base_url: str = ""
    handoff_scenario_max_turns: int = 500
    handoff_scenarios_dir: str = ""
    handoff_log_level: str = ""
    handoff_reference_date: date | None = None
    # LangGraph's server that runs the agents; "" runs them in this process.
    handoff_agent_url: str = ""
    api_keys: dict[str, SecretStr] = Field(default_factory=dict)
    # Variables holding a value that can't be used (kept at their default): only the code
    # that needs one fails.
    problems: dict[str, str] = Field(default_factory=dict)

    def checked(self, *variables: str) -> Settings:
        wrong = [f"{v} ({self.problems[v]})" for v in variables if v in self.problems]
        if wrong:
            raise SettingsError(f"These settings can't be used: {', '.join(wrong)}.")
        return self

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object, info) -> object:  # noqa: ANN001 - pydantic's
        """An empty variable means the default."""
        default = cls.model_fields[info.field_name].get_default(call_default_factory=True)
        return default if isinstance(value, str) and not value.strip() else value

    def api_key(self, variable: str | None) -> str | None:
        secret = self.api_keys.get(variable.upper()) if variable else None
        return secret.get_secret_value() if secret else None

    @property
    def agent_api_key(self) -> SecretStr | None:
        return self.api_keys.get(AGENT_KEY_VARIABLE)

    @property
    def scenarios_dir(self) -> Path | None:
        return Path(self.handoff_scenarios_dir.strip()) if self.handoff_scenarios_dir else None


def _snapshot() -> tuple[tuple[bytes, bytes], ...]:
    # os.environ's own raw table: every change made through os.environ shows in it, and
    # copying it costs a tenth of decoding every variable (a turn asks several times).
    return tuple(os.environ._data.items())  # type: ignore[attr-defined]


@lru_cache(maxsize=8)
def _load(snapshot: tuple[tuple[bytes, bytes], ...]) -> Settings:
    names = {name.upper() for name in Settings.model_fields}
    env = {
        name: value
        for name, value in ((os.fsdecode(k).upper(), os.fsdecode(v)) for k, v in snapshot)
        if name in names or name.endswith(KEY_SUFFIX)
    }
    keys = {name: SecretStr(value) for name, value in env.items() if name.endswith(KEY_SUFFIX)}
    values: dict = {k.lower(): v for k, v in env.items() if not k.endswith(KEY_SUFFIX)}
    problems: dict[str, str] = {}
    while True:  # twice at most: the unusable values are replaced by their defaults
        try:
            return Settings(_env_file=None, api_keys=keys, problems=problems, **values)
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0])
                problems[name.upper()] = err["msg"].lower()
                values[name] = Settings.model_fields[name].get_default(call_default_factory=True)


def settings() -> Settings:
    """The current settings; `.checked(VARIABLE, ...)` before using a value that may be wrong."""
    return _load(_snapshot())


settings.cache_clear = _load.cache_clear  # type: ignore[attr-defined]
