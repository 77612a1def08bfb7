"""The chapter's tiny service: GET /health answers ok, GET / greets."""

import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

import dlint_fixable_demo


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ok\n" if self.path == "/health" else dlint_fixable_demo.GREETING.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    HTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
