#!/usr/bin/env python3
"""Runs shard INDEX of COUNT of the Catch2 test cases that a test spec selects.

    shard.py INDEX COUNT BINARY SPEC...

The cases that BINARY lists for SPEC (--list-test-names-only) are dealt out in turn, the
first to shard 0, the second to shard 1 and so on, and this shard's cases run in one process
(--input-file). A long suite run, such as the pmvmmgr6 suite under a simulator knob group,
so becomes COUNT ctest entries that ctest can run side by side. Exits with the binary's
status; 2 when the spec selects no case for this shard (a misspelt spec must not pass).
"""

import os
import subprocess
import sys
import tempfile

# Characters that Catch2 reads as test-spec syntax in a name (as CatchAddTests.cmake escapes).
SPECIAL = ",[]"


def escape(name):
    return "".join("\\" + c if c in SPECIAL else c for c in name)


def main(argv):
    if len(argv) < 4:
        print("usage: shard.py INDEX COUNT BINARY SPEC...", file=sys.stderr)
        return 2
    try:
        index, count = int(argv[0]), int(argv[1])
    except ValueError:
        print("shard.py: INDEX and COUNT must be integers", file=sys.stderr)
        return 2
    if count < 1 or not 0 <= index < count:
        print(f"shard.py: shard {index} of {count} does not exist", file=sys.stderr)
        return 2
    binary, spec = argv[2], argv[3:]
    listed = subprocess.run(
        [binary, *spec, "--list-test-names-only"], capture_output=True, text=True, check=False
    )
    names = [line for line in listed.stdout.splitlines() if line.strip()]
    mine = names[index::count]
    if not mine:
        print(f"shard.py: no test case for shard {index} of {count} of {spec}", file=sys.stderr)
        print(listed.stderr, file=sys.stderr)
        return 2
    print(f"shard {index + 1} of {count}: {len(mine)} of {len(names)} test cases", flush=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("".join(escape(name) + "\n" for name in mine))
    try:
        return subprocess.run([binary, "--input-file", handle.name], check=False).returncode
    finally:
        os.unlink(handle.name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
