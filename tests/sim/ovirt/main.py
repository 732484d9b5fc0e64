"""Command line of the oVirt simulator (run through scripts/sim ovirt)."""
import argparse
import sys

from common.runner import add_common_arguments, serve
from common.server import Simulator

from .app import OvirtApp
from .config import Config, ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/sim ovirt",
        description="oVirt Engine REST API v4 simulator on 127.0.0.1; the engine is at "
                    "http://127.0.0.1:PORT/ovirt-engine")
    add_common_arguments(parser)
    parser.add_argument("--admin-password", default="admin",
                        help="password of admin@internal (default: admin)")
    parser.add_argument("--time-scale", type=float, default=None, metavar="F",
                        help="multiply every duration by F (default 1: realistic timings, "
                             "thin copy 30 s, first boot 40 s, disk extend 10 s)")
    parser.add_argument("--seconds", action="append", default=[], metavar="SPEC",
                        help="durations before scaling, e.g. 'create_thin=5,launch=1'; "
                             "repeatable (names in README.md)")
    parser.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE",
                        help="set a knob (README.md, Knobs); repeatable, applied last")
    parser.add_argument("--variants", type=int, default=None, metavar="SEED",
                        help="draw every variant knob from random.Random(SEED); the draw is "
                             "printed on stderr as the first line")
    return parser


def _config(args) -> Config:
    """The options, then the --variants draw, then each --knob (which overrides the draw)."""
    config = Config(admin_password=args.admin_password)
    if args.time_scale is not None:
        config.update({"time_scale": args.time_scale})
    for spec in args.seconds:
        config.parse_durations(spec)
    config.start_up(args.variants, args.knob)
    return config


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as error:
        print(f"scripts/sim ovirt: {error}", file=sys.stderr)
        return 2
    app = OvirtApp(config, base_path=args.base_path)
    return serve(Simulator(app), args.port, args.verbose)
