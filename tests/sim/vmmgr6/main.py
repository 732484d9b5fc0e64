"""Command line of the VMmanager 6 simulator (run through scripts/sim vmmgr6)."""
import argparse
import sys

from common.runner import add_common_arguments, serve
from common.server import Simulator

from .app import Vmmgr6App
from .config import (AUTH_ERRORS, BUSY_MODES, Config, ConfigError, parse_knob,
                     parse_task_seconds)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/sim vmmgr6",
                                     description="VMmanager 6 API simulator on 127.0.0.1")
    add_common_arguments(parser)
    parser.add_argument("--admin-password", default="admin",
                        help="password of admin@example.com (default: admin)")
    parser.add_argument("--task-seconds", action="append", default=[], metavar="SPEC",
                        help="task durations: '0.5' for every task, or "
                             "'host_create=60,host_stop=0.1'; repeatable")
    parser.add_argument("--task-lag", type=float, default=None,
                        help="seconds a new task stays out of /vm/v3/task (default 0); "
                             "the same as --knob task_lag=S")
    parser.add_argument("--session-ttl", type=float, default=3600.0,
                        help="seconds of inactivity before a token expires (default 3600)")
    parser.add_argument("--auth-error", choices=sorted(AUTH_ERRORS), default=None,
                        help="answer to a dead token: 401 (code 1000), 403 (code 3001) or "
                             "1000 (400, code 1000); the same as --knob auth_error=X")
    parser.add_argument("--busy-mode", choices=BUSY_MODES, default="queue",
                        help="tasks on a host with a running task: queue (one at a time), "
                             "reject (409) or parallel (run at once)")
    parser.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE",
                        help="set a knob (see README.md, Variant knobs); repeatable, applied "
                             "last")
    parser.add_argument("--variants", type=int, default=None, metavar="SEED",
                        help="draw every variant knob from random.Random(SEED), over the other "
                             "options; the draw is printed on stderr as the first line")
    return parser


def _config(args) -> Config:
    """The options first, then the --variants draw, then each --knob: a variant run overrides
    the lag or auth error a test chose, and a --knob overrides the draw."""
    config = Config(admin_password=args.admin_password)
    changes = {"session_ttl": args.session_ttl, "busy_mode": args.busy_mode}
    if args.task_lag is not None:
        changes["task_lag"] = args.task_lag
    if args.auth_error is not None:
        changes["auth_error"] = args.auth_error
    config.update(changes)
    for spec in args.task_seconds:
        config.task_seconds = parse_task_seconds(spec, config.task_seconds)
    drawn = config.draw_variants(args.variants) if args.variants is not None else None
    for knob in args.knob:
        config.update(parse_knob(knob))
    if drawn is not None:
        shown = " ".join(f"{name}={getattr(config, name)}" for name in drawn)
        print(f"variants seed={args.variants} {shown}", file=sys.stderr, flush=True)
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
