"""Who a request is: a visitor's identity survives reloads; foreign host names are refused."""

import pytest
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

from support_agent.ui.identity import browser_identity, is_loopback_host, xsrf_token


def test_a_browsers_identity_survives_the_servers_fresh_mask_on_every_page_load():
    token = bytes(range(16))
    first, reload = (generate_xsrf_token_string(token, 1_700_000_000) for _ in range(2))
    assert first != reload  # Streamlit masks the same token afresh each time
    assert xsrf_token(first) == xsrf_token(reload) == token
    assert browser_identity(first) == browser_identity(reload)
    other = generate_xsrf_token_string(bytes(range(1, 17)), 1_700_000_000)
    assert browser_identity(other) != browser_identity(first)


def test_a_tampered_or_garbage_cookie_is_not_someone_elses_identity():
    real = generate_xsrf_token_string(bytes(range(16)), 1_700_000_000)
    version, mask, masked, stamp = real.split("|")
    flipped = masked[:-1] + ("0" if masked[-1] != "0" else "1")
    assert browser_identity(f"{version}|{mask}|{flipped}|{stamp}") != browser_identity(real)
    for garbage in ["", None, "2|zz|00|1", "2|0000|", "2|00000000||1", "not hex", "2|a|b"]:
        assert browser_identity(garbage) is None
    assert len(browser_identity(real).removeprefix("browser:")) == 32  # never the token itself
    assert bytes(range(16)).hex() not in browser_identity(real)


@pytest.mark.parametrize(
    "host",
    ["localhost", "localhost:8501", "LOCALHOST:8501", "127.0.0.1:8501", "127.8.9.1", "[::1]:8501",
     "localhost.:8501"],
)  # fmt: skip
def test_loopback_names_are_this_machine(host):
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    [None, "", "evil.example", "evil.example:8501", "localhost.evil.example:8501",
     "127.0.0.1.nip.io", "10.0.0.5:8501", "[::2]:8501", "user@localhost", "[::1", "0.0.0.0:8501"],
)  # fmt: skip
def test_every_other_name_is_not(host):
    assert not is_loopback_host(host)
