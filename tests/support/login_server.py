#!/usr/bin/env python3
"""A tiny login service for session-cache tests, on 127.0.0.1 and a free port.

Prints "listening on http://127.0.0.1:PORT" as its first line (and writes the port to
--port-file, if given, once it listens).

  POST /login     {"user": ..., "password": ...} -> {"token": ..., "expires_in": N};
                  counts logins; waits --delay-ms first so that concurrent clients overlap
  GET  /count     -> {"count": N}
  GET  /resource  200 with a valid X-Auth-Token header, else 401
  POST /expire    invalidates every token issued so far
"""

import argparse
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, delay_ms, expires_in):
        self.lock = threading.Lock()
        self.count = 0
        self.valid = set()
        self.delay = delay_ms / 1000.0
        self.expires_in = expires_in


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, payload):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def read_body(self):
            length = int(self.headers.get("Content-Length", "0"))
            return self.rfile.read(length) if length else b""

        def do_POST(self):
            body = self.read_body()
            if self.path == "/login":
                time.sleep(state.delay)
                try:
                    user = json.loads(body or b"{}").get("user", "")
                except ValueError:
                    user = ""
                token = f"tok-{user}-{secrets.token_hex(8)}"
                with state.lock:
                    state.count += 1
                    state.valid.add(token)
                self.reply(200, {"token": token, "expires_in": state.expires_in})
            elif self.path == "/expire":
                with state.lock:
                    state.valid.clear()
                self.reply(200, {"ok": True})
            else:
                self.reply(404, {"error": "not found"})

        def do_GET(self):
            if self.path == "/count":
                with state.lock:
                    self.reply(200, {"count": state.count})
            elif self.path == "/resource":
                with state.lock:
                    ok = self.headers.get("X-Auth-Token", "") in state.valid
                self.reply(200 if ok else 401, {"ok": ok})
            else:
                self.reply(404, {"error": "not found"})

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Tests connect with many clients at once; the default backlog of 5 would drop some.
    request_queue_size = 128


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--expires-in", type=int, default=3600)
    args = parser.parse_args()

    state = State(args.delay_ms, args.expires_in)
    server = Server(("127.0.0.1", args.port), make_handler(state))
    port = server.server_address[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    if args.port_file:
        temp = args.port_file + ".tmp"
        with open(temp, "w") as out:
            out.write(f"{port}\n")
        os.replace(temp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
