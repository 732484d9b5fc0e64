"""Command line of the Zabbix simulator (run through scripts/sim zabbix)."""
import argparse
import sys

from common.runner import add_common_arguments, serve
from common.server import Simulator

from .app import ZabbixApp
from .config import Config, ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/sim zabbix",
        description="Zabbix 6.0 JSON-RPC API simulator on 127.0.0.1; the API is "
                    "POST http://127.0.0.1:PORT/api_jsonrpc.php (README.md)")
    add_common_arguments(parser)
    parser.add_argument("--admin-password", default="zabbix",
                        help="password of the user Admin (default: zabbix)")
    parser.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE",
                        help="set a knob (README.md, Knobs); repeatable, applied last")
    parser.add_argument("--variants", type=int, default=None, metavar="SEED",
                        help="draw every variant knob from random.Random(SEED); the draw is "
                             "printed on stderr as the first line")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = Config(admin_password=args.admin_password)
        config.start_up(args.variants, args.knob)
    except ConfigError as error:
        print(f"scripts/sim zabbix: {error}", file=sys.stderr)
        return 2
    app = ZabbixApp(config, base_path=args.base_path)
    return serve(Simulator(app), args.port, args.verbose)
