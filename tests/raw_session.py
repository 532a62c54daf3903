"""A Streamlit session opened over its websocket by hand, as a hostile page would.

The browser's own client isn't needed to ask the server for one script run:
connect to `/_stcore/stream`, send a `rerun_script` BackMsg, read ForwardMsgs
until the run finishes. `host` is what the request names in its `Host` and
`Origin` headers, while the socket itself goes to loopback: what a DNS
rebinding page does.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect


def one_run(url: str, host: str, timeout: float = 60.0) -> str:
    """The text form of every message of one script run, opened as `host`."""
    port = urlsplit(url).port
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    named = f"{host}:{port}"
    with connect(
        f"ws://{named}/_stcore/stream",
        sock=sock,
        origin=f"http://{named}",
        subprotocols=["streamlit"],
        open_timeout=timeout,
    ) as ws:
        request = BackMsg()
        request.rerun_script.query_string = ""
        request.rerun_script.page_script_hash = ""
        ws.send(request.SerializeToString())
        seen = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(ws.recv(timeout=timeout))
            seen.append(str(message))
            if message.HasField("script_finished"):
                return "\n".join(seen)
