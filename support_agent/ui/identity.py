"""Who is using this browser session, so each visitor reaches only their own threads.

Three cases, decided by the operator's setup:
- Streamlit's built-in authentication is configured (an `[auth]` section in
  `.streamlit/secrets.toml`): visitors log in (`st.login`) and are who the
  identity provider says (`st.user`).
- The server listens on this machine only (the default, `server.address =
  "localhost"`): one person uses it; everyone is `local`, as before. That holds
  only for requests that name this machine: a page on a foreign host name that
  resolves to 127.0.0.1 (DNS rebinding) reaches the same socket with its own
  `Host`, and is refused.
- Otherwise each browser is its own visitor, known by the secret token inside
  Streamlit's per-browser XSRF cookie (hashed; never shown), or by this session
  when there is none.
"""

from __future__ import annotations

import binascii
import hashlib
import ipaddress
import secrets
from urllib.parse import urlsplit

import streamlit as st

from support_agent.base.settings import settings
from support_agent.ui import keys
from support_agent.ui.runtime import secret

LOCAL = "local"
OPERATORS_SETTING = "HANDOFF_OPERATORS"  # logged-in emails that may edit prompts and scenarios
XSRF_COOKIE = "_streamlit_xsrf"
# "1": visitors may type a model server's address (public addresses only; see model_picker)
VISITOR_URL_SETTING = "HANDOFF_ALLOW_VISITOR_BASE_URL"
_THIS_MACHINE = {"localhost", "127.0.0.1", "::1"}


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def is_loopback_host(host: str | None) -> bool:
    """Does a request's `Host` header name this machine (`localhost`, 127.x, ::1)?"""
    if not host:
        return False
    try:
        parts = urlsplit(f"//{host.strip()}")
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:  # a malformed port or bracket
        return False
    if parts.username is not None or parts.path or parts.query or parts.fragment:
        return False  # not a host name at all
    name = (parts.hostname or "").rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def xsrf_token(cookie: str | None) -> bytes | None:
    """The secret token inside Streamlit's XSRF cookie, or None if it isn't one.

    Streamlit's cookie is `2|mask|masked token|timestamp` and the server draws a
    fresh mask on every page load, so the cookie's text changes on each reload
    while the token it carries stays the browser's own.
    """
    value = (cookie or "").strip("\"'")
    try:
        if value.startswith("2|"):
            _, mask_hex, masked_hex, _timestamp = value.split("|")
            mask, masked = bytes.fromhex(mask_hex), bytes.fromhex(masked_hex)
            if len(mask) != 4 or not masked:
                return None
            return bytes(b ^ mask[i % 4] for i, b in enumerate(masked))
        token = binascii.a2b_hex(value)  # the unmasked form older servers set
        return token or None
    except ValueError:  # not hex, wrong number of parts
        return None


def browser_identity(cookie: str | None) -> str | None:
    """A visitor's identity from their XSRF cookie: stable across reloads, unguessable."""
    token = xsrf_token(cookie)
    if token is None:
        return None
    return "browser:" + hashlib.sha256(b"handoff-studio visitor\0" + token).hexdigest()[:32]


def _who() -> str:
    headers = st.context.headers
    this_machine_only = (st.get_option("server.address") or "") in _THIS_MACHINE
    # No headers at all means no browser request (a script or AppTest run);
    # every real connection carries them, and its Host must name this machine.
    if this_machine_only and headers and not is_loopback_host(headers.get("Host")):
        st.title("Handoff Studio")
        st.error(
            "This app answers only when opened as localhost on the machine it runs on. "
            "Open it at http://localhost instead of this address.",
            icon="🚫",
        )
        st.stop()
    if _auth_configured():
        if not st.user.get("is_logged_in", False):
            st.title("Handoff Studio")
            st.info("Log in to see your conversations.", icon="🔐")
            st.button("Log in", icon="🔑", on_click=st.login, type="primary")
            st.stop()
        return f"user:{st.user.get('email') or st.user.get('sub')}"
    if this_machine_only:
        return LOCAL
    return browser_identity((st.context.cookies or {}).get(XSRF_COOKIE)) or (
        "session:" + secrets.token_hex(10)
    )


def owner() -> str:
    """This session's identity, decided once per session."""
    if keys.IDENTITY not in st.session_state:
        st.session_state[keys.IDENTITY] = _who()
    return st.session_state[keys.IDENTITY]


def is_operator(who: str) -> bool:
    """May this person change what everyone gets (prompt versions, scenario files)?

    The one local user may; with login, the emails listed in `HANDOFF_OPERATORS`
    (environment or secrets.toml); anonymous visitors of an open server never.
    """
    if who == LOCAL:
        return True
    listed = settings().handoff_operators or secret(OPERATORS_SETTING) or ""
    emails = {e.strip().lower() for e in listed.split(",") if e.strip()}
    return who.startswith("user:") and who.removeprefix("user:").lower() in emails


def may_type_server_url(who: str) -> bool:
    """May this person point the app at a model server of their choosing?

    The operator may. Visitors only when the operator allows it
    (`HANDOFF_ALLOW_VISITOR_BASE_URL=1`, environment or secrets.toml): otherwise
    anyone could make this server send requests to any address.
    """
    if is_operator(who):
        return True
    allowed = settings().handoff_allow_visitor_base_url or secret(VISITOR_URL_SETTING) or ""
    return allowed.strip().lower() in {"1", "true", "yes", "on"}
