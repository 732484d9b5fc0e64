"""The store backends a benchmark runs on, side by side: the SQLite file it seeded and, when
PM_BENCH_MARIADB names a server (a base URL such as mysql://root@127.0.0.1:33316, as
`scripts/mariadb url` prints), a copy of it in a fresh MariaDB database made with `pmstore
copy` (PM_BENCH_PMSTORE: the pmstore binary)."""
import os
import re
import subprocess
import uuid


def _client(base: str) -> list:
    match = re.match(r"^(?:mysql|mariadb)://([^:@/]+)(?::([^@/]*))?@([^:/]+)(?::(\d+))?", base)
    if not match:
        raise SystemExit(f"PM_BENCH_MARIADB: not a mysql:// base URL: {base}")
    user, _password, host, port = match.groups()
    return ["mariadb", "--no-defaults", "-u", user, "-h", host, "-P", port or "3306"]


def backends(sqlite_path: str) -> list:
    """[(label, store URL)]: sqlite first, then mariadb when configured."""
    found = [("sqlite", "sqlite:" + sqlite_path)]
    base = os.environ.get("PM_BENCH_MARIADB")
    if not base:
        return found
    database = "pm_bench_" + uuid.uuid4().hex[:12]
    subprocess.run(_client(base) + ["-e", f"CREATE DATABASE {database}"], check=True)
    url = base.rstrip("/") + "/" + database
    subprocess.run([os.environ["PM_BENCH_PMSTORE"], "copy", "--from", "sqlite:" + sqlite_path,
                    "--to", url], check=True, stdout=subprocess.DEVNULL)
    found.append(("mariadb", url))
    return found


def drop(url: str) -> None:
    if url.startswith("sqlite:"):
        return
    base, database = url.rsplit("/", 1)
    subprocess.run(_client(base) + ["-e", f"DROP DATABASE IF EXISTS {database}"], check=False)
