"""A loopback OpenAI-compatible chat server for tests: real HTTP, scripted replies.

`OpenAIStub().mode` picks what the next requests get: "reply", "tool" (a
record_warranty_status call), "500", "429", "401", "hang", "malformed",
"echo_key" (an error body that repeats the Authorization header), "image" (a
reply with a remote Markdown image), "loop" (a tool call, every time). `requests` keeps what each request sent.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _completion(message: dict) -> dict:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class OpenAIStub:
    def __init__(self, mode: str = "reply"):
        self.mode = mode
        self.requests: list[dict] = []
        self.release = threading.Event()  # ends a "hang"
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stub.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization", ""),
                     "body": json.loads(body or b"{}")}
                )  # fmt: skip
                stub.answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        def send(status: int, payload: dict | str, headers: dict | None = None) -> None:
            data = payload if isinstance(payload, str) else json.dumps(payload)
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data.encode())))
            handler.end_headers()
            handler.wfile.write(data.encode())

        def reply(message: dict) -> None:
            """A completion, or its server-sent-events stream when the client asked."""
            if not self.requests[-1]["body"].get("stream"):
                send(200, _completion(message))
                return
            delta = {k: v for k, v in message.items() if v}
            if "tool_calls" in delta:
                delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(delta["tool_calls"])]
            chunks = [
                {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            ]
            body = "".join(
                "data: " + json.dumps({"id": "c", "object": "chat.completion.chunk",
                                       "created": 0, "model": "stub", **c}) + "\n\n"
                for c in chunks
            ) + "data: [DONE]\n\n"  # fmt: skip
            handler.send_response(200)
            handler.send_header("Content-Type", "text/event-stream")
            handler.send_header("Content-Length", str(len(body.encode())))
            handler.end_headers()
            handler.wfile.write(body.encode())

        mode = self.mode
        if mode == "hang":
            self.release.wait(120)
            return
        last_role = (self.requests[-1]["body"].get("messages") or [{}])[-1].get("role")
        if mode == "reply":
            reply({"role": "assistant", "content": "Is it under warranty?"})
        elif mode == "image":
            text = "Here you go ![status](http://127.0.0.1:9/x.png?d=secret) done"
            reply({"role": "assistant", "content": text})
        elif mode == "loop":  # a model that never stops calling tools
            arguments = json.dumps({"status": "in_warranty"})
            function = {"name": "record_warranty_status", "arguments": arguments}
            n = len(self.requests)
            reply({"role": "assistant", "content": "", "tool_calls": [
                {"id": f"call_{n}", "type": "function", "function": function}]})  # fmt: skip
        elif mode == "tool" and last_role == "tool":
            reply({"role": "assistant", "content": "Noted, thank you."})
        elif mode == "tool":
            arguments = json.dumps({"status": "in_warranty"})
            function = {"name": "record_warranty_status", "arguments": arguments}
            call = {"id": "call_1", "type": "function", "function": function}
            reply({"role": "assistant", "content": "", "tool_calls": [call]})
        elif mode == "500":
            send(500, {"error": {"message": "internal error", "type": "server_error"}})
        elif mode == "429":
            send(
                429, {"error": {"message": "slow down", "type": "rate_limit"}}, {"Retry-After": "0"}
            )
        elif mode == "401":
            send(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})
        elif mode == "malformed":
            send(200, "{not json")
        elif mode == "echo_key":
            auth = handler.headers.get("Authorization", "")
            send(400, {"error": {"message": f"invalid request; you sent {auth}", "type": "x"}})
        else:  # a typo in a test
            send(500, {"error": {"message": f"unknown stub mode {mode}"}})
