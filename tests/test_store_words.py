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
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["identity.owner"] = who  # as tests/test_app_pages.py's visitors
    at.run()
    at.switch_page("app_pages/threads.py").run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    shown = [*at.title, *at.caption, *at.markdown, *at.info, *at.error, *at.warning]
    return "\n".join(str(element.value) for element in shown)


@pytest.fixture
def sqlite_file(monkeypatch, tmp_path):
    path = tmp_path / "threads-words.db"
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{path}")
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    return path


def test_a_visitor_is_told_in_words_where_conversations_are_kept(sqlite_file):
    text = page_text(threads_page("browser:bob"))
    assert "Conversations are saved on this server." in text
    for hidden in (str(sqlite_file.parent), "threads-words.db", "sqlite", "store ("):
        assert hidden not in text


def test_the_operator_is_told_which_file_in_words(sqlite_file):
    text = page_text(threads_page("local"))
    assert f"Conversations are saved in a file on this machine: {sqlite_file}." in text
    assert "sqlite:" not in text and "store (" not in text


def test_a_password_in_the_database_urls_query_never_reaches_the_threads_page(
    monkeypatch, postgres_admin_url
):
    from tests.pg import fresh_database

    # The test server trusts loopback, so the password is never needed, only carried.
    url = fresh_database(postgres_admin_url) + "?password=SECRETpw&sslmode=disable"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    operator = page_text(threads_page("local"))
    assert "Conversations are saved in a shared PostgreSQL database: 127.0.0.1:" in operator
    visitor = page_text(threads_page("browser:bob"))
    assert "Conversations are saved in a shared PostgreSQL database." in visitor
    assert "127.0.0.1" not in visitor
    assert "SECRET" not in operator + visitor
