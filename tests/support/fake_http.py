#!/usr/bin/env python3
"""A tiny HTTP server for pm's transport tests: one named handler per scenario.

Usage: fake_http.py [--port-file PATH] [--tls DIR]

Binds 127.0.0.1 on a free port and prints "listening on http://127.0.0.1:PORT" as its first
line (https with --tls, which makes a self-signed certificate in DIR with openssl). The port
is also written to --port-file, atomically. The first path segment names the scenario:

  /echo                     the request as JSON: method, path, query, headers, body
  /status/N?header=K:V      status N (headers from each `header` parameter)
  /retry-after/N?value=V    status N with Retry-After: V
  /flaky/KEY?fail=N&status=S  status S for the first N requests with KEY, then 200
  /count/KEY                how many requests /flaky/KEY has seen
  /slow?ms=N                replies after N ms
  /drop                     reads the request, closes the connection without a reply
  /truncated                announces 100 bytes, sends 10, closes
  /huge?bytes=N&chunked=1   N bytes of body, with Content-Length or chunked
  /interim                  a 100 Continue block with its own header before the reply
  /headers                  a reply with repeated and mixed-case headers
  /redirect                 302 to /echo
  /connections              how many TCP connections the server has accepted
"""

import argparse
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.counters = {}

    def process_request(self, request, client_address):
        with self.lock:
            self.connections += 1
        super().process_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # clients hang up on purpose in these tests (timeouts, body caps)

    def bump(self, key):
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + 1
            return self.counters[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.dispatch()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def dispatch(self):
        url = urlsplit(self.path)
        self.query = parse_qs(url.query)
        self.segments = [part for part in url.path.split("/") if part]
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        name = self.segments[0] if self.segments else "echo"
        handler = getattr(self, "scenario_" + name.replace("-", "_"), None)
        if handler is None:
            self.reply(404, {"error": "no scenario " + name})
        else:
            handler()

    def param(self, name, default=None):
        return self.query.get(name, [default])[-1]

    def reply(self, status, payload=None, headers=(), body=None):
        data = body if body is not None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def scenario_echo(self):
        self.reply(200, {
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": self.body.decode("utf-8", "replace"),
        })

    def scenario_status(self):
        status = int(self.segments[1])
        headers = [tuple(h.split(":", 1)) for h in self.query.get("header", [])]
        self.reply(status, {"status": status}, headers)

    def scenario_retry_after(self):
        status = int(self.segments[1])
        self.reply(status, {"status": status}, [("Retry-After", self.param("value", "1"))])

    def scenario_flaky(self):
        key = self.segments[1]
        seen = self.server.bump(key)
        if seen <= int(self.param("fail", "1")):
            status = int(self.param("status", "503"))
            self.reply(status, {"attempt": seen}, [("X-Request-Id", f"req-{key}-{seen}")])
        else:
            self.reply(200, {"attempt": seen}, [("X-Request-Id", f"req-{key}-{seen}")])

    def scenario_count(self):
        with self.server.lock:
            count = self.server.counters.get(self.segments[1], 0)
        self.reply(200, {"count": count})

    def scenario_slow(self):
        time.sleep(int(self.param("ms", "1000")) / 1000.0)
        self.reply(200, {"slow": True})

    def scenario_drop(self):
        self.close_connection = True

    def scenario_truncated(self):
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.wfile.flush()
        self.close_connection = True

    def scenario_huge(self):
        size = int(self.param("bytes", "1000000"))
        chunked = self.param("chunked", "0") == "1"
        self.send_response(200)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"x" * 65536
        left = size
        while left > 0:
            piece = block[:min(left, len(block))]
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            left -= len(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def scenario_interim(self):
        self.wfile.write(b"HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n")
        self.reply(200, {"final": True}, [("X-Final", "yes")])

    def scenario_headers(self):
        self.reply(200, {}, [("X-Dup", "one"), ("X-Dup", "two"), ("x-MiXeD", "  padded  "),
                             ("X-Request-Id", "req-headers")])

    def scenario_redirect(self):
        self.reply(302, {}, [("Location", "/echo")])

    def scenario_connections(self):
        with self.server.lock:
            count = self.server.connections
        self.reply(200, {"connections": count})


def tls_context(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file")
    parser.add_argument("--tls", metavar="DIR")
    args = parser.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    scheme = "http"
    if args.tls:
        server.socket = tls_context(args.tls).wrap_socket(server.socket, server_side=True)
        scheme = "https"
    port = server.server_address[1]
    print(f"listening on {scheme}://127.0.0.1:{port}", flush=True)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as out:
            out.write(f"{port}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
