"""Helpers for tests that drive a simulator as a separate process, the way the modules do:
SimProcess starts `scripts/sim NAME …` and reads its port; Client speaks HTTP with one
connection per request (so a dropped connection affects only that request)."""
import http.client
import json
import os
import subprocess
from urllib.parse import quote

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SIM_SCRIPT = os.path.join(REPO_ROOT, "scripts", "sim")


class SimProcess:
    def __init__(self, name: str, *args: str):
        self.proc = subprocess.Popen([SIM_SCRIPT, name, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        prefix = "listening on http://127.0.0.1:"
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"simulator did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(line[len(prefix):])
        self.first_line = line

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        code = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code


class InProcessSim:
    """A simulator served from a thread of the test process: lets a test drive time with a
    ManualClock. stop() when done."""

    def __init__(self, simulator):
        from .server import start_in_thread
        self.simulator = simulator
        self.server = start_in_thread(simulator)
        self.port = self.server.server_port

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Reply:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"Reply({self.status}, {self.raw[:300]!r})"


class Client:
    def __init__(self, port: int, timeout: float = 10.0):
        self.port = port
        self.timeout = timeout
        self.headers = {}

    def request(self, method: str, path: str, body=None, headers=None) -> Reply:
        """Raises OSError / http.client errors when the server drops the connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            payload = None if body is None else json.dumps(body).encode()
            all_headers = dict(self.headers, **(headers or {}))
            if payload is not None:
                all_headers["Content-Type"] = "application/json"
            conn.request(method, path, body=payload, headers=all_headers)
            answer = conn.getresponse()
            return Reply(answer.status, {k.lower(): v for k, v in answer.getheaders()},
                         answer.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, {} if body is None else body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def where(expression: str) -> str:
    """A where= query value encoded the way clients do: spaces as '+', the rest %-escaped."""
    return quote(expression, safe="()'=,").replace("%20", "+")
