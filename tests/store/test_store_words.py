"""No credential or path of the conversation store reaches a page.

`redact` hides every credential a database URL can carry; the Threads page
tells a visitor where conversations are kept in words, and only the operator
which file or database (credentials removed).
"""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from support_agent.features.app_store import open_store
from support_agent.store.storage import StoreUnavailable, redact

# A secret can't be found elsewhere in the URL: it starts with a word no host has.
SECRETS = st.text().map(lambda text: f"SECRET{text}")
SPECIAL = st.text(alphabet="@:/?#&=%+[] ", min_size=1).map(lambda text: f"SECRET{text}")
PARAMS = ["password", "passfile", "sslpassword", "sslkey", "sslcert", "sslrootcert", "sslcrl",
          "options", "key", "secret", "token", "api_key", "Password"]  # fmt: skip


def urls_with(secret: str, param: str) -> list[str]:
    """`secret` in every credential position of a PostgreSQL URL, encoded and as typed."""
    urls = []
    for value in (quote(secret, safe=""), secret):
        urls += [
            f"postgresql://app:{value}@db.example.com:5432/handoff",
            f"postgresql://:{value}@db.example.com/handoff",  # an empty user
            f"postgres://app:{value}@h1:5432,h2:5433/handoff?sslmode=require",
            f"postgresql://app@db.example.com/handoff?{param}={value}",
            f"postgresql://app@db.example.com/handoff?sslmode=require&{param}={value}&port=5432",
            f"postgresql://app:{value}@db.example.com/handoff?{param}={value}#{value}",
        ]
    return urls


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(secret=st.one_of(SECRETS, SPECIAL), param=st.sampled_from(PARAMS))
def test_no_secret_in_any_credential_position_survives_redaction(secret, param):
    for url in urls_with(secret, param):
        shown = redact(url)
        assert "SECRET" not in shown, (url, shown)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:pw@db:5432/handoff", "postgresql://app:***@db:5432/handoff"),
        ("postgresql://:pw@db/handoff", "postgresql://:***@db/handoff"),
        ("postgresql://app@db/h?password=pw&sslmode=require",
         "postgresql://app@db/h?password=***&sslmode=require"),
        ("postgresql://app@db/h?sslkey=/root/key.pem&connect_timeout=5",
         "postgresql://app@db/h?sslkey=***&connect_timeout=5"),
        ("postgresql://db/h?password=ab&cd", "postgresql://db/h?password=***&***"),  # "ab&cd"
        ("postgresql://app:a/b?c#d@db/h", "postgresql://app:***@db/h"),  # unencoded
        ("postgresql://app:pw@[::1/h", "(a database setting that is not a URL)"),
        ("app:pw@db/handoff", "(a database setting that is not a URL)"),
        ("sqlite:///data/handoff_studio.db", "sqlite:///data/handoff_studio.db"),
        ("memory://", "memory://"),
    ],
)  # fmt: skip
def test_redaction_keeps_where_and_hides_how_to_get_in(url, shown):
    assert redact(url) == shown


def test_an_unsupported_store_url_is_refused_without_its_password():
    with pytest.raises(StoreUnavailable) as refused:
        open_store("mysql://app:SECRETpw@db/handoff?token=SECRETtoken")
    assert "SECRET" not in str(refused.value)
    assert "mysql://app:***@db/handoff" in str(refused.value)


# --- the Threads page -------------------------------------------------------------------


def threads_page(who: str) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=60)
    at.session_state["identity.owner"] = who  # as tests/ui/test_app_pages.py's visitors
    at.run()
    at.switch_page("app_pages/threads.py").run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    shown = [*at.title, *at.caption, *at.markdown, *at.info, *at.error, *at.warning, *at.code]
    return "\n".join(str(element.value) for element in shown)


def details(at: AppTest) -> str:
    """What the engineer-details expander holds ("" when there is none)."""
    found = [e for e in at.expander if e.label == "Engineer details"]
    return "\n".join(str(c.value) for e in found for c in [*e.code, *e.caption])


@pytest.fixture
def sqlite_file(monkeypatch, tmp_path):
    path = tmp_path / "threads-words.db"
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{path}")
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    return path


def test_a_visitor_is_told_in_words_where_conversations_are_kept(sqlite_file):
    at = threads_page("browser:bob")
    text = page_text(at)
    assert "Saved on this computer." in text
    assert not details(at)  # no engineer details for a visitor
    for hidden in (str(sqlite_file.parent), "threads-words.db", "sqlite", "SQLite", "store ("):
        assert hidden not in text


def test_the_operator_is_told_which_file_in_words(sqlite_file):
    at = threads_page("local")
    assert [c.value for c in at.caption][:1] == ["Saved on this computer."]
    assert f"SQLite file {sqlite_file}" in details(at)  # under engineer details only
    text = page_text(at)
    assert "sqlite:" not in text and "store (" not in text


def test_a_password_in_the_database_urls_query_never_reaches_the_threads_page(
    monkeypatch, postgres_admin_url
):
    from tests.pg import fresh_database

    # The test server trusts loopback, so the password is never needed, only carried.
    url = fresh_database(postgres_admin_url) + "?password=SECRETpw&sslmode=disable"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    at = threads_page("local")
    operator = page_text(at)
    assert "Saved in the shared database." in operator
    assert "PostgreSQL at 127.0.0.1:" in details(at)
    visitor = page_text(threads_page("browser:bob"))
    assert "Saved in the shared database." in visitor
    assert "127.0.0.1" not in visitor and "PostgreSQL" not in visitor
    assert "SECRET" not in operator + visitor


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("memory://", "Kept only while the app runs: a restart forgets these conversations."),
        ("sqlite:///{tmp}/x.db", "Saved on this computer."),
    ],
)
def test_each_store_is_said_in_words_with_its_address_apart(tmp_path, url, words):
    from support_agent.store.storage import open_store

    store = open_store(url.format(tmp=tmp_path))
    try:
        assert store.where() == words
        assert store.address() not in words
        assert store.where(detail=True).endswith(f"({store.address()}).")
    finally:
        store.close()
