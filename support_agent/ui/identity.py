"""Who is using this browser session, so each visitor reaches only their own threads.

With Streamlit's authentication configured, who `st.user` says; on a localhost-only server,
`local` (requests naming another host are refused: DNS rebinding); otherwise each browser by
the hashed token in its XSRF cookie, or by this session when there is none.
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
    """The secret token in Streamlit's XSRF cookie (`2|mask|masked token|time`), or None.

    The mask changes on every page load; the token stays the browser's own.
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
    # No headers means no browser (a script or AppTest); a real one's Host must be this machine.
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
    if keys.IDENTITY not in st.session_state:
        st.session_state[keys.IDENTITY] = _who()
    return st.session_state[keys.IDENTITY]


def is_operator(who: str) -> bool:
    """May change what everyone gets: the local user, or a login listed in `HANDOFF_OPERATORS`."""
    if who == LOCAL:
        return True
    listed = settings().handoff_operators or secret(OPERATORS_SETTING) or ""
    emails = {e.strip().lower() for e in listed.split(",") if e.strip()}
    return who.startswith("user:") and who.removeprefix("user:").lower() in emails


def may_type_server_url(who: str) -> bool:
    """May point the app at any model server: the operator, or visitors when the operator allows
    it (`HANDOFF_ALLOW_VISITOR_BASE_URL=1`); else anyone could make this server call any address.
    """
    if is_operator(who):
        return True
    allowed = settings().handoff_allow_visitor_base_url or secret(VISITOR_URL_SETTING) or ""
    return allowed.strip().lower() in {"1", "true", "yes", "on"}
