"""The providers a model setting may name: one table, read by `get_model` and the app's model
picker. Two rows may share a prefix (OpenAI and an OpenAI-compatible server), and its key.
"""

from __future__ import annotations

from dataclasses import dataclass

OFFLINE = "offline"


@dataclass(frozen=True)
class Provider:
    prefix: str  # the spec's provider part, as `init_chat_model` knows it; "offline" for ours
    label: str  # what the model picker shows
    key_var: str | None  # environment variable / secrets.toml entry with its key; None: none
    default_model: str = ""  # the model name the picker offers first
    # The picker asks for the server's URL, starting with this one when nothing is set.
    default_base_url: str | None = None

    @property
    def needs_base_url(self) -> bool:
        return self.default_base_url is not None

    @property
    def offline(self) -> bool:
        return self.prefix == OFFLINE

    def spec(self, name: str) -> str:
        return OFFLINE if self.offline else f"{self.prefix}:{name.strip()}"


LOCAL_SERVER = "http://localhost:8000/v1"
PROVIDERS: tuple[Provider, ...] = (
    Provider(OFFLINE, "Offline demo model", None),
    Provider("openai", "OpenAI", "OPENAI_API_KEY", "gpt-4.1-mini"),
    Provider("anthropic", "Anthropic", "ANTHROPIC_API_KEY", "claude-sonnet-4-5"),
    Provider("google_genai", "Google Gemini", "GOOGLE_API_KEY", "gemini-2.5-flash"),
    Provider("mistralai", "Mistral", "MISTRAL_API_KEY", "mistral-small-latest"),
    Provider("groq", "Groq", "GROQ_API_KEY", "llama-3.1-8b-instant"),
    Provider("ollama", "Ollama (local)", None, "llama3.1", "http://localhost:11434"),
    Provider("openai", "OpenAI-compatible server", "OPENAI_API_KEY", "local-model", LOCAL_SERVER),
)

OFFLINE_PROVIDER = PROVIDERS[0]


def _check(rows: tuple[Provider, ...]) -> None:
    labels = [p.label for p in rows]
    if len(set(labels)) != len(labels):
        raise ValueError(f"Provider labels must be unique: {labels}")
    variables: dict[str, str | None] = {}
    for p in rows:
        if variables.setdefault(p.prefix, p.key_var) != p.key_var:
            raise ValueError(f"Rows for {p.prefix!r} disagree on the key variable")


_check(PROVIDERS)

# spec prefix -> environment variable holding its key (None: no key needed); offline excluded
KEY_VARS: dict[str, str | None] = {p.prefix: p.key_var for p in PROVIDERS if not p.offline}


def prefixes() -> list[str]:
    return list(dict.fromkeys(p.prefix for p in PROVIDERS if not p.offline))


def by_label(label: str) -> Provider:
    """The row the picker shows as `label` (the offline row for an unknown label)."""
    return next((p for p in PROVIDERS if p.label == label), OFFLINE_PROVIDER)


def for_prefix(prefix: str, *, base_url: bool = False) -> Provider | None:
    """The row for a spec's provider: with a base URL set, the one that asks for it."""
    rows = [p for p in PROVIDERS if p.prefix == prefix]
    return next((p for p in rows if p.needs_base_url == base_url), rows[0] if rows else None)
