"""A real HTTP server on 127.0.0.1 that speaks the chat-completions protocol and replays
scripted responses per stage (the stage comes in the X-Linguacodus-Stage header).

Each stage has a queue of scripted events; an empty queue answers with the stage's
default responder (responders.py), which writes a well-formed answer. Events:

    {"content": "..."}                    an answer
    {"refusal": "..."}                    a refusal (content null, refusal set)
    {"status": 429, "retry_after": "0"}   an HTTP error (any status)
    {"hang": 3.0}                         no answer for that long (then a default answer)
    {"drop": True}                        the connection closed without an answer
    {"no_schema": True}                   400 when the request carries a JSON schema
    {"content": "...", "finish_reason": "length"}   an answer cut off at the length limit
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from responders import default_answer


class ScriptedLLM:
    def __init__(self, default: Callable[[str, dict], str] = default_answer) -> None:
        self.queues: dict[str, deque] = defaultdict(deque)
        self.requests: list[dict] = []  # {"stage", "body", "event"} of every HTTP request
        self.default = default
        self._server: ThreadingHTTPServer | None = None

    def script(self, stage: str, *events: dict) -> None:
        self.queues[stage].extend(events)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def spec(self, model: str = "scripted") -> str:
        return f"{self.url}#{model}"

    def calls(self, stage: str | None = None) -> int:
        return sum(1 for r in self.requests if stage is None or r["stage"] == stage)

    def __enter__(self) -> ScriptedLLM:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                stage = self.headers.get("X-Linguacodus-Stage", "unknown")
                queue = scripted.queues[stage]
                event = queue.popleft() if queue else {}
                scripted.requests.append({"stage": stage, "body": body, "event": event})
                if event.get("drop"):
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if event.get("hang"):
                    time.sleep(event["hang"])
                if event.get("no_schema") and "response_format" in body:
                    return self._json(400, {"error": {"message": "response_format json_schema "
                                                                 "is not supported"}})
                if "status" in event:
                    headers = {"Retry-After": event["retry_after"]} if "retry_after" in event else {}
                    return self._json(event["status"], {"error": {"message": "scripted error"}},
                                      headers)
                content = event.get("content")
                if content is None and "refusal" not in event:
                    content = scripted.default(stage, body)
                message = {"role": "assistant", "content": content,
                           "refusal": event.get("refusal")}
                self._json(200, {
                    "id": f"scripted-{len(scripted.requests)}", "object": "chat.completion",
                    "created": int(time.time()), "model": body.get("model", "scripted"),
                    "choices": [{"index": 0, "message": message,
                                 "finish_reason": event.get("finish_reason", "stop")}],
                    "usage": {"prompt_tokens": sum(len(m["content"]) for m in body["messages"]) // 4,
                              "completion_tokens": len(content or "") // 4,
                              "total_tokens": 0}})

            def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
