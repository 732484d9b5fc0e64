"""Neutron ports and address allocation, shared by Nova (server ports), Neutron (router
gateway and interface ports) and Octavia (VIP ports)."""
import functools
import ipaddress

from . import errors
from .model import Port


class NoAddress(Exception):
    pass


@functools.lru_cache(maxsize=4096)
def _number(address: str) -> int:
    return int(ipaddress.IPv4Address(address))


def _address(number: int) -> str:
    return f"{number >> 24}.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


def _pool_ranges(subnet):
    for pool in subnet.allocation_pools:
        yield _number(pool["start"]), _number(pool["end"])


def allocate(subnet, wanted: str = None) -> str:
    """An address of the subnet: wanted if given (and free), else the lowest free one in the
    allocation pools, searching from where the last search stopped."""
    if wanted is not None:
        number = int(ipaddress.IPv4Address(wanted))
        if number in subnet.used:
            raise errors.neutron(409, f"IP address {wanted} already allocated in subnet "
                                      f"{subnet.id}", "IpAddressAlreadyAllocated")
        subnet.used.add(number)
        return wanted
    for start, end in _pool_ranges(subnet):
        first = start if subnet.next_free is None else max(start, subnet.next_free)
        for number in range(first, end + 1):
            if number not in subnet.used:
                subnet.used.add(number)
                subnet.next_free = number + 1
                return _address(number)
    if subnet.next_free is not None:
        subnet.next_free = None      # addresses freed behind the cursor: search once more
        return allocate(subnet)
    raise NoAddress(subnet.network_id)


def release(subnet, address: str) -> None:
    number = int(ipaddress.IPv4Address(address))
    subnet.used.discard(number)
    if subnet.next_free is not None and number < subnet.next_free:
        subnet.next_free = number


def create_port(state, wall: float, network, project_id: str, device_id: str = "",
                device_owner: str = "", subnet=None, address: str = None, name: str = "",
                status: str = "ACTIVE") -> Port:
    """A port on network with one address (from subnet, else the network's first IPv4
    subnet); 409 IpAddressGenerationFailure when the subnet is full."""
    fixed_ips = []
    if subnet is None and network.subnet_ids:
        subnet = state.subnets.get(network.subnet_ids[0])
    if subnet is not None:
        try:
            fixed_ips.append({"subnet_id": subnet.id,
                              "ip_address": allocate(subnet, address)})
        except NoAddress:
            raise errors.neutron(409, "No more IP addresses available on network "
                                      f"{network.id}.", "IpAddressGenerationFailure") from None
    port = Port(state.new_uuid(), name, project_id, network.id, state.new_mac(), fixed_ips,
                device_id, device_owner, wall, wall, status=status)
    state.ports.add(port)
    state.ports_by_network.setdefault(network.id, set()).add(port.id)
    return port


def delete_port(state, port) -> None:
    for fixed in port.fixed_ips:
        subnet = state.subnets.get(fixed["subnet_id"])
        if subnet is not None:
            release(subnet, fixed["ip_address"])
    state.ports.remove(port)
    members = state.ports_by_network.get(port.network_id)
    if members is not None:
        members.discard(port.id)


def network_ports(state, network_id: str) -> list:
    return [state.ports.get(p) for p in sorted(state.ports_by_network.get(network_id, ()))
            if p in state.ports]
