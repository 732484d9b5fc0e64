#!/usr/bin/env python3
"""The oVirt part of scripts/demo: what the oVirt simulator holds, read from its dump.

  ovirt.py vms SIM_URL        each VM: name, status, CPU, RAM, boot disk, the template it
                              came from, and what each boot applied (cloud-init's host name,
                              address, whether a password was set: never the password)
  ovirt.py requests SIM_URL   the requests the engine saw, by endpoint, and the logins

SIM_URL is the simulator's root (http://127.0.0.1:PORT), as scripts/sim printed it.
"""
import json
import sys
import urllib.request

GIB = 1024 ** 3


def get(url):
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.load(reply)


def nested(value, plural, singular):
    """oVirt's double-wrapped lists: {"disk_attachments": {"disk_attachment": [...]}} (the
    simulator keeps what a boot applied as it stores it: the bare list)."""
    inner = (value or {}).get(plural) or {}
    return inner if isinstance(inner, list) else inner.get(singular) or []


def boot_line(boot):
    init = boot.get("initialization") or {}
    if not boot.get("applied"):
        return f"boot {boot['boot']}: nothing applied"
    nics = nested(init, "nic_configurations", "nic_configuration")
    address = ",".join((n.get("ip") or {}).get("address", "?") for n in nics) or "-"
    password = "set" if init.get("root_password") else "unchanged"
    return (f"boot {boot['boot']}: {boot['applied']} host {init.get('host_name', '-')}, "
            f"address {address}, root password {password}")


def vms(url):
    state = get(url + "/__sim__/state")
    templates = {t["id"]: f"{t['name']} v{t.get('version', {}).get('version_number', '?')}"
                 for t in state["templates"]}
    live = [v for v in state["vms"] if not v.get("deleting")]
    for vm in live:
        topology = vm["cpu"]["topology"]
        cpus = int(topology["sockets"]) * int(topology["cores"]) * int(topology["threads"])
        disks = nested(vm, "disk_attachments", "disk_attachment")
        boot = next((a for a in disks if str(a.get("bootable")) == "true"), disks[0] if disks
                    else None)
        size = int(boot["disk"]["provisioned_size"]) // GIB if boot else 0
        source = templates.get(vm["original_template"]["id"], "?")
        print(f"   oVirt VM {vm['name']}: {vm['status']}, {cpus} CPU, "
              f"{int(vm['memory']) // 2 ** 20} MiB RAM, boot disk {size} GiB, from {source}")
        for record in vm.get("boots", []):
            print(f"      {boot_line(record)}")
    gone = len(state["vms"]) - len(live)
    if not live:
        print("   oVirt has no VMs" + (f" ({gone} being deleted)" if gone else ""))


def requests(url):
    counters = get(url + "/__sim__/counters")
    print(f"   logins: {counters.get('logins', 0)}")
    for key, count in sorted(counters.get("requests", {}).items()):
        print(f"   {count:5d}  {key}")


def main(argv):
    commands = {"vms": vms, "requests": requests}
    if len(argv) != 3 or argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[1]](argv[2].rstrip("/"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
