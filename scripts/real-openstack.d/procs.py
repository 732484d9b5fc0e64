#!/usr/bin/python3
"""What the tier's process groups hold, read from /proc (Linux; standard library only).

    procs.py memory NAME=PID...      one line per service: NAME, process count, RSS and
                                     PSS in MiB; then the totals
    procs.py listeners NAME=PID...   every listening TCP socket and bound UDP socket of the
                                     services; exit 1 if one is not on 127.0.0.1 / ::1
    procs.py tree PID...             the PIDs and their descendants, one per line

A service is the process scripts/real-openstack started and all its descendants (uWSGI
and oslo.service workers, Erlang helpers — some of which start sessions of their own, so
the process group is not enough). RSS counts pages shared between a parent and its forked
workers once per process; PSS shares them out, so the PSS total is the memory the tier
really takes.
"""
import os
import sys

LOOPBACK = {"0100007F", "00000000000000000000000001000000"}   # 127.0.0.1, ::1 (as in /proc)
TCP_LISTEN = "0A"
UDP_UNCONNECTED = "07"


def children_map():
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # the command may hold spaces and parentheses: fields follow the last ")"
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def tree(pid, children):
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        if os.path.exists(f"/proc/{current}"):
            pids.append(current)
        todo.extend(children.get(current, []))
    return pids


def groups(args):
    children = children_map()
    found = {}
    for arg in args:
        name, _, pid = arg.partition("=")
        found[name] = tree(int(pid), children)
    return found


def memory_kib(pid):
    """(RSS, PSS) of a process in KiB; zeros when it has gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def bound_sockets():
    """inode -> (protocol, local address as in /proc, port) for listening/bound sockets."""
    found = {}
    for proto, state in (("tcp", TCP_LISTEN), ("tcp6", TCP_LISTEN), ("udp", UDP_UNCONNECTED),
                         ("udp6", UDP_UNCONNECTED)):
        try:
            with open(f"/proc/net/{proto}") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == state:
                        address, port = fields[1].split(":")
                        found[fields[9]] = (proto, address, int(port, 16))
        except OSError:
            continue
    return found


def show_address(proto, address):
    if address in LOOPBACK:
        return "127.0.0.1" if len(address) == 8 else "[::1]"
    if len(address) == 8:
        return ".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0))
    return f"[{proto} {address}]"


def memory(args):
    total_rss = total_pss = count = 0
    print(f"{'service':18s} {'procs':>5s} {'RSS MiB':>9s} {'PSS MiB':>9s}")
    for name, pids in groups(args).items():
        rss, pss = map(sum, zip(*(memory_kib(pid) for pid in pids))) if pids else (0, 0)
        total_rss, total_pss, count = total_rss + rss, total_pss + pss, count + len(pids)
        print(f"{name:18s} {len(pids):5d} {rss / 1024:9.1f} {pss / 1024:9.1f}")
    print(f"{'total':18s} {count:5d} {total_rss / 1024:9.1f} {total_pss / 1024:9.1f}")


def listeners(args):
    sockets = bound_sockets()
    exposed = 0
    for name, pids in groups(args).items():
        for pid in pids:
            for inode in socket_inodes(pid):
                if inode not in sockets:
                    continue
                proto, address, port = sockets.pop(inode)
                where = f"{show_address(proto, address)}:{port}"
                if address not in LOOPBACK:
                    exposed += 1
                    where += "  NOT LOOPBACK"
                print(f"{name:18s} {proto:4s} {where}")
    return 1 if exposed else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "memory":
        memory(argv[2:])
        return 0
    if len(argv) >= 2 and argv[1] == "tree":
        children = children_map()
        for pid in argv[2:]:
            print("\n".join(map(str, tree(int(pid), children))))
        return 0
    if len(argv) >= 2 and argv[1] == "listeners":
        return listeners(argv[2:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
