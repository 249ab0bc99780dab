"""A real HTTP receiver on 127.0.0.1 (``http.server`` in a thread) for webhook tests: it
answers its first ``fail`` requests with 503, then 200, and keeps every request it got."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Receiver"]


class Receiver:
    """A real HTTP server answering ``fail`` requests with 503, then 200; it keeps what came."""

    def __init__(self) -> None:
        self.fail = 0
        self.got: list[tuple[dict[str, str], bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.got.append((dict(self.headers), body))
                status = 200
                if owner.fail > 0:
                    owner.fail -= 1
                    status = 503
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.got]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
