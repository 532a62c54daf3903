"""Who is using this browser session, so each visitor reaches only their own threads.

Three cases, decided by the operator's setup:
- Streamlit's built-in authentication is configured (an `[auth]` section in
  `.streamlit/secrets.toml`): visitors log in (`st.login`) and are who the
  identity provider says (`st.user`).
- The server listens on this machine only (the default, `server.address =
  "localhost"`): one person uses it; everyone is `local`, as before.
- Otherwise each browser is its own visitor, known by Streamlit's per-browser
  XSRF cookie (hashed; never shown), or by this session when there is none.
"""

from __future__ import annotations

import hashlib
import os
import secrets

import streamlit as st

from support_agent.ui import keys
from support_agent.ui.runtime import secret

LOCAL = "local"
OPERATORS_SETTING = "HANDOFF_OPERATORS"  # logged-in emails that may edit prompts and scenarios
# "1": visitors may type a model server's address (public addresses only; see model_picker)
VISITOR_URL_SETTING = "HANDOFF_ALLOW_VISITOR_BASE_URL"
_THIS_MACHINE = {"localhost", "127.0.0.1", "::1"}


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _who() -> str:
    if _auth_configured():
        if not st.user.get("is_logged_in", False):
            st.title("Handoff Studio")
            st.info("Log in to see your conversations.", icon="🔐")
            st.button("Log in", icon="🔑", on_click=st.login, type="primary")
            st.stop()
        return f"user:{st.user.get('email') or st.user.get('sub')}"
    if (st.get_option("server.address") or "") in _THIS_MACHINE:
        return LOCAL
    cookie = (st.context.cookies or {}).get("_streamlit_xsrf")
    if cookie:
        return "browser:" + hashlib.sha256(cookie.encode()).hexdigest()[:20]
    return "session:" + secrets.token_hex(10)


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
    listed = os.environ.get(OPERATORS_SETTING) or secret(OPERATORS_SETTING) or ""
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
    allowed = os.environ.get(VISITOR_URL_SETTING) or secret(VISITOR_URL_SETTING) or ""
    return allowed.strip().lower() in {"1", "true", "yes", "on"}
