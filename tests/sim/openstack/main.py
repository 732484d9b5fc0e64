"""Command line of the OpenStack simulator (run through scripts/sim openstack)."""
import argparse
import sys

from common.runner import add_common_arguments, serve
from .act_then import OpenStackSimulator

from .app import OpenStackApp
from .config import VARIANTS, Config, ConfigError, parse_seconds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/sim openstack",
        description="OpenStack API simulator (Keystone, Nova, Cinder, Neutron, Octavia, "
                    "Glance) on 127.0.0.1; Keystone at http://127.0.0.1:PORT/identity/v3")
    add_common_arguments(parser)
    parser.add_argument("--admin-password", default="admin",
                        help="password of user admin in domain Default (default: admin)")
    parser.add_argument("--build-seconds", action="append", default=[], metavar="SPEC",
                        help="transition durations: '0.5' for all, or 'server_build=60,"
                             "lb_create=5' (server_build, server_delete, server_stop, "
                             "server_start, volume_create, volume_delete, lb_create, "
                             "lb_delete); repeatable")
    parser.add_argument("--token-ttl", type=float, default=3600.0,
                        help="token lifetime in seconds (default 3600)")
    parser.add_argument("--page-cap", type=int, default=1000,
                        help="largest page Nova, Cinder and Octavia return (default 1000)")
    parser.add_argument("--no-neutron-pagination", action="store_true",
                        help="Neutron ignores limit/marker and answers everything at once")
    parser.add_argument("--next-links", choices=("full_page", "when_more"),
                        default="full_page",
                        help="'next' links on every full page, as the real services "
                             "(default), or only when more items exist")
    for name, values in VARIANTS.items():
        parser.add_argument("--" + name.replace("_", "-"), choices=values, default=values[0],
                            help=f"variant of {name} (default {values[0]}; README 'Variants')")
    parser.add_argument("--keystone-list-limit", type=int, default=0,
                        help="Keystone list_limit: lists cut to N with truncated: true "
                             "(default 0: whole lists)")
    return parser


def _config(args) -> Config:
    config = Config(admin_password=args.admin_password)
    for spec in args.build_seconds:
        config.seconds = parse_seconds(spec, config.seconds)
    config.update({"token_ttl": args.token_ttl, "page_cap": args.page_cap,
                   "neutron_pagination": not args.no_neutron_pagination,
                   "next_links": args.next_links,
                   "keystone_list_limit": args.keystone_list_limit,
                   **{name: getattr(args, name) for name in VARIANTS}})
    return config


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as error:
        print(f"scripts/sim openstack: {error}", file=sys.stderr)
        return 2
    app = OpenStackApp(config, base_path=args.base_path)
    return serve(OpenStackSimulator(app), args.port, args.verbose)
