#!/usr/bin/env python3
"""Store transactions per second: N pm_store_writer processes (1 and 50), each doing ROUNDS
rounds of 5 write transactions (an item param, begin and finish of an operation, and a
read-modify-write of a shared counter) on one store, started together. Usage:
store_tps.py PM_STORE_WRITER ROUNDS URL_OR_sqlite  (sqlite: a scratch file)."""
import os
import subprocess
import sys
import tempfile
import time

import stores

TRANSACTIONS_PER_ROUND = 5


def run(writer: str, url: str, processes: int, rounds: int, work: str) -> float:
    start = os.path.join(work, f"start-{processes}")
    children = [subprocess.Popen([writer, url, str(i), str(rounds), start],
                                 stderr=subprocess.PIPE, text=True)
                for i in range(processes)]
    time.sleep(0.5)
    began = time.perf_counter()
    open(start, "w").close()
    failed = 0
    for child in children:
        _, err = child.communicate()
        if child.returncode != 0:
            failed += 1
            sys.stderr.write(err)
    wall = time.perf_counter() - began
    if failed:
        raise SystemExit(f"{failed} writers failed")
    return processes * rounds * TRANSACTIONS_PER_ROUND / wall


def main() -> int:
    writer, rounds = sys.argv[1], int(sys.argv[2])
    with tempfile.TemporaryDirectory() as work:
        db = os.path.join(work, "billing.db")
        # An empty store: the writers create their own rows.
        subprocess.run([writer, "sqlite:" + db, "0", "0"], check=True)
        for label, url in stores.backends(db):
            for processes in (1, 50):
                per_process = rounds if processes == 1 else max(1, rounds // 10)
                tps = run(writer, url, processes, per_process, work)
                print(f"{label:8} {processes:3} process(es): {tps:8.0f} write transactions/s")
            stores.drop(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
