"""Address bookkeeping of the IP pools: the lowest free address first, so runs repeat."""
import ipaddress


class NoFreeIp(Exception):
    pass


class Pool:
    def __init__(self, spec: dict):
        self.id = spec["id"]
        self.name = spec["name"]
        self.first = int(ipaddress.IPv4Address(spec["first"]))
        self.last = int(ipaddress.IPv4Address(spec["last"]))
        self.gateway = spec["gateway"]
        self.mask = spec["mask"]
        self.used = set()

    def range_text(self) -> str:
        return f"{ipaddress.IPv4Address(self.first)}-{ipaddress.IPv4Address(self.last)}"

    def size(self) -> int:
        return self.last - self.first + 1

    def free(self) -> int:
        return self.size() - len(self.used)

    def take(self):
        for number in range(self.first, self.last + 1):
            if number not in self.used:
                self.used.add(number)
                return str(ipaddress.IPv4Address(number))
        return None


class IpPools:
    def __init__(self, specs: list):
        self.pools = {spec["id"]: Pool(spec) for spec in specs}

    def allocate(self, pool_ids: list, count: int) -> list:
        """count addresses as (pool id, address) from the pools in order; all or nothing."""
        taken = []
        for pool_id in pool_ids:
            pool = self.pools[pool_id]
            while len(taken) < count and pool.free() > 0:
                taken.append((pool_id, pool.take()))
        if len(taken) < count:
            for pool_id, address in taken:
                self.release(pool_id, address)
            raise NoFreeIp(f"not enough free addresses in pools {pool_ids}: "
                           f"{count} requested, {len(taken)} free")
        return taken

    def release(self, pool_id: int, address: str) -> None:
        self.pools[pool_id].used.discard(int(ipaddress.IPv4Address(address)))
