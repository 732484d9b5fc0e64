"""Running a simulator from the command line: 127.0.0.1 only, a free port unless --port,
`listening on http://127.0.0.1:PORT` as the first line of stdout, clean exit on SIGTERM and
SIGINT."""
import argparse
import signal
import sys

from .server import SimHTTPServer, Simulator


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0,
                        help="TCP port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--base-path", default="",
                        help="prefix of every API URL, as a reverse proxy would add")
    parser.add_argument("--verbose", action="store_true",
                        help="log each request and handler errors to stderr")


def _stop(signum, frame):
    raise SystemExit(0)


def serve(simulator: Simulator, port: int, verbose: bool = False) -> int:
    try:
        server = SimHTTPServer(port, simulator, verbose)
    except OSError as error:
        print(f"cannot listen on 127.0.0.1:{port}: {error.strerror}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0
