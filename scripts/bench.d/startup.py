#!/usr/bin/env python3
"""Wall time and peak RSS of one short invocation, over many runs.

usage: startup.py RUNS COMMAND [ARGS...]
Prints the median, p90 and max wall time of the runs and the peak RSS of the command.
Peak RSS comes from GNU time: a child spawned straight from Python would report Python's own
memory, because the kernel carries the pre-exec high-water mark over exec.
"""
import os
import statistics
import subprocess
import sys
import time


def main() -> int:
    runs = int(sys.argv[1])
    command = sys.argv[2:]
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        pid = os.posix_spawn(command[0], command, os.environ,
                             file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
        _, status = os.waitpid(pid, 0)
        walls.append((time.perf_counter() - start) * 1000.0)
        if os.waitstatus_to_exitcode(status) != 0:
            print(f"command failed: {' '.join(command)}", file=sys.stderr)
            return 1
    peak_kb = 0
    for _ in range(20):
        timed = subprocess.run(["/usr/bin/time", "-f", "%M", *command], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak_kb = max(peak_kb, int(timed.stderr.strip().splitlines()[-1]))
    walls.sort()
    p90 = walls[int(len(walls) * 0.9) - 1]
    print(f"{' '.join(os.path.basename(c) if i == 0 else c for i, c in enumerate(command))}: "
          f"{runs} runs, wall median {statistics.median(walls):.2f} ms, p90 {p90:.2f} ms, "
          f"max {walls[-1]:.2f} ms; peak RSS {peak_kb / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
