"""A loopback OpenAI-compatible chat server for tests: real HTTP, scripted replies.

`OpenAIStub().mode` picks what the next requests get: "reply", "tool" (a
record_warranty_status call), "500", "429", "401", "hang", "malformed",
"echo_key" (an error body that repeats the Authorization header), "404" (an
unknown model), "drop" (the connection closed with no answer), "image" (a
reply with a remote Markdown image), "loop" (a tool call, every time), "prompted" (follows
the system prompt it is sent: see `prompted`). `requests` keeps what each request sent,
when it arrived (`time.monotonic()`) and the time limit the client said it gave it.
`then = (n, mode)` switches to `mode` once `n` requests have arrived (a server that
goes down part-way).
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What "prompted" reads in the customer's words: a deliberately small vocabulary.
_OUT_OF_WARRANTY = re.compile(r"\b(out of warranty|expired|not under warranty|no longer)\b", re.I)
_IN_WARRANTY = re.compile(r"\b(under warranty|in warranty|still covered|yes)\b", re.I)
_HARDWARE = re.compile(r"\b(crack\w*|broken|dropp\w*|battery|screen)\b", re.I)
_SOFTWARE = re.compile(r"\b(crash\w*|app|freez\w*|slow|update)\b", re.I)


def _completion(message: dict) -> dict:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _call(name: str, arguments: dict, number: int) -> dict:
    function = {"name": name, "arguments": json.dumps(arguments)}
    call = {"id": f"call_{number}", "type": "function", "function": function}
    return {"role": "assistant", "content": "", "tool_calls": [call]}


def prompted(body: dict, number: int) -> dict:
    """A model that does only what its system prompt tells it, so an edited prompt
    changes what happens (numbers make tool call ids unique).

    It calls a tool only when the tool is offered *and* the system prompt names it:
    `record_warranty_status` with the status the customer's last message states,
    `record_issue_type` with the issue any customer message names, `provide_solution`
    once per customer message. Otherwise it answers with a question, worded from
    the prompt (a prompt that mentions the warranty asks about it). A guardrail's
    screening request gets "OK".
    """
    messages = body.get("messages") or []
    system = " ".join(
        m.get("content") or "" for m in messages if m.get("role") in ("system", "developer")
    )
    if system.startswith("You screen messages"):
        return {"role": "assistant", "content": "OK"}
    offered = {t["function"]["name"] for t in body.get("tools") or []}

    def told(tool: str) -> bool:
        return tool in offered and tool in system

    customer = [m.get("content") or "" for m in messages if m.get("role") == "user"]
    customer = [c if isinstance(c, str) else json.dumps(c) for c in customer]
    last = customer[-1] if customer else ""
    since = (
        messages[max(i for i, m in enumerate(messages) if m.get("role") == "user") :]
        if customer
        else []
    )
    called = {c["function"]["name"] for m in since for c in m.get("tool_calls") or []}
    everything = " ".join(customer)
    status = (
        "out_of_warranty" if _OUT_OF_WARRANTY.search(last)
        else "in_warranty" if _IN_WARRANTY.search(last)
        else None
    )  # fmt: skip
    issue = (
        "hardware" if _HARDWARE.search(everything)
        else "software" if _SOFTWARE.search(everything)
        else None
    )  # fmt: skip
    if told("record_warranty_status") and status and "record_warranty_status" not in called:
        return _call("record_warranty_status", {"status": status}, number)
    if told("record_issue_type") and issue and "record_issue_type" not in called:
        return _call("record_issue_type", {"issue_type": issue}, number)
    if told("provide_solution") and "provide_solution" not in called:
        return _call("provide_solution", {"solution": "Book the warranty repair."}, number)
    if called:
        return {"role": "assistant", "content": "Done: that is recorded."}
    if "warranty" in system.lower():
        return {
            "role": "assistant",
            "content": "Thanks for writing. Is your device under warranty?",
        }
    return {"role": "assistant", "content": "Thanks for writing. How can I help?"}


class OpenAIStub:
    def __init__(self, mode: str = "reply"):
        self.mode = mode
        self.then: tuple[int, str] | None = None
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
                     "body": json.loads(body or b"{}"), "at": time.monotonic(),
                     "timeout": self.headers.get("X-Stainless-Read-Timeout")}
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

        if self.then is not None and len(self.requests) > self.then[0]:
            self.mode = self.then[1]
        mode = self.mode
        if mode == "hang":
            self.release.wait(120)
            return
        last_role = (self.requests[-1]["body"].get("messages") or [{}])[-1].get("role")
        if mode == "reply":
            reply({"role": "assistant", "content": "Is it under warranty?"})
        elif mode == "prompted":
            reply(prompted(self.requests[-1]["body"], len(self.requests)))
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
        elif mode == "404":
            send(404, {"error": {"message": "no such model", "type": "invalid_request_error"}})
        elif mode == "drop":
            handler.close_connection = True
            handler.connection.shutdown(2)  # SHUT_RDWR: no status line, no body
        elif mode == "malformed":
            send(200, "{not json")
        elif mode == "echo_key":
            auth = handler.headers.get("Authorization", "")
            send(400, {"error": {"message": f"invalid request; you sent {auth}", "type": "x"}})
        else:  # a typo in a test
            send(500, {"error": {"message": f"unknown stub mode {mode}"}})
