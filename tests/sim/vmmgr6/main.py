"""Command line of the VMmanager 6 simulator (run through scripts/sim vmmgr6)."""
import argparse
import sys

from common.runner import add_common_arguments, serve
from common.server import Simulator

from .app import Vmmgr6App
from .config import AUTH_ERRORS, BUSY_MODES, Config, ConfigError, parse_task_seconds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/sim vmmgr6",
                                     description="VMmanager 6 API simulator on 127.0.0.1")
    add_common_arguments(parser)
    parser.add_argument("--admin-password", default="admin",
                        help="password of admin@example.com (default: admin)")
    parser.add_argument("--task-seconds", action="append", default=[], metavar="SPEC",
                        help="task durations: '0.5' for every task, or "
                             "'host_create=60,host_stop=0.1'; repeatable")
    parser.add_argument("--task-lag", type=float, default=0.2,
                        help="seconds a new task stays out of /vm/v3/task (default 0.2)")
    parser.add_argument("--session-ttl", type=float, default=3600.0,
                        help="seconds of inactivity before a token expires (default 3600)")
    parser.add_argument("--auth-error", choices=sorted(AUTH_ERRORS), default="401",
                        help="answer to a dead token: 401 (code 1000) or 403 (code 3001)")
    parser.add_argument("--busy-mode", choices=BUSY_MODES, default="queue",
                        help="tasks on a host with a running task: queue or reject (409)")
    return parser


def _config(args) -> Config:
    config = Config(admin_password=args.admin_password)
    config.update({"task_lag": args.task_lag, "session_ttl": args.session_ttl,
                   "auth_error": args.auth_error, "busy_mode": args.busy_mode})
    for spec in args.task_seconds:
        config.task_seconds = parse_task_seconds(spec, config.task_seconds)
    return config


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as error:
        print(f"scripts/sim vmmgr6: {error}", file=sys.stderr)
        return 2
    app = Vmmgr6App(config, base_path=args.base_path)
    return serve(Simulator(app), args.port, args.verbose)
