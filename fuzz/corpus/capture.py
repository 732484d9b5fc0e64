#!/usr/bin/env python3
"""Rebuilds the seed corpus of fuzz/corpus/ from the simulators' real replies.

Runs the simulators' own unit tests (tests/sim) with their HTTP client wrapped so that every
reply is recorded, then keeps a small, varied selection: one reply per endpoint, at most 48 per target
(method and path with ids folded), JSON bodies up to 4 KB. Writes
  corpus/vmmgr6_parse/    VMmanager 6 replies
  corpus/openstack_parse/ OpenStack replies
  corpus/json/            some of both
  corpus/retry_after/     the Retry-After values the simulators sent
Usage: python3 fuzz/corpus/capture.py   (needs only python3; about a minute)
"""
import hashlib
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SIM = os.path.join(ROOT, "tests", "sim")
sys.path.insert(0, SIM)

from common import testing  # noqa: E402  (tests/sim on the path first)

MODULES = {
    "vmmgr6_parse": ["test_vmmgr6_sim", "test_vmmgr6_model"],
    "openstack_parse": ["test_openstack_sim", "test_openstack_compute", "test_openstack_network",
                        "test_openstack_volume", "test_openstack_octavia",
                        "test_openstack_keystone"],
}
PER_ENDPOINT = 1
MAX_BODY = 4 * 1024
PER_TARGET = 48
ID = re.compile(r"/[0-9a-f-]{8,}|/\d+|=[^&]*")

replies = []  # (target, endpoint, body)
retry_after = set()
current = [None]
original = testing.Client.request


def recording(self, method, path, body=None, headers=None):
    reply = original(self, method, path, body, headers)
    if current[0] and reply.raw and reply.json is not None and len(reply.raw) <= MAX_BODY:
        endpoint = f"{method} {ID.sub('/N', path.split('?')[0])} {reply.status}"
        replies.append((current[0], endpoint, reply.raw))
    if "retry-after" in reply.headers:
        retry_after.add(reply.headers["retry-after"].encode())
    return reply


def write(directory, bodies):
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        os.remove(os.path.join(directory, name))
    for body in bodies:
        with open(os.path.join(directory, hashlib.sha1(body).hexdigest()[:16]), "wb") as out:
            out.write(body)


def main():
    testing.Client.request = recording
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    for target, names in MODULES.items():
        current[0] = target
        suite = unittest.defaultTestLoader.loadTestsFromNames(names)
        unittest.TextTestRunner(stream=open(os.devnull, "w"), verbosity=0).run(suite)
    chosen = {target: [] for target in MODULES}
    seen_endpoints = {}
    seen_bodies = set()
    for target, endpoint, body in replies:
        key = (target, endpoint)
        if body in seen_bodies or seen_endpoints.get(key, 0) >= PER_ENDPOINT:
            continue
        seen_bodies.add(body)
        if len(chosen[target]) >= PER_TARGET:
            continue
        seen_endpoints[key] = seen_endpoints.get(key, 0) + 1
        chosen[target].append(body)
    for target, bodies in chosen.items():
        write(os.path.join(HERE, target), bodies)
        print(f"{target}: {len(bodies)} replies")
    mixed = chosen["vmmgr6_parse"][::2] + chosen["openstack_parse"][::2]
    write(os.path.join(HERE, "json"), mixed)
    print(f"json: {len(mixed)} replies")
    values = sorted(retry_after) or [b"3"]
    write(os.path.join(HERE, "retry_after"), values)
    print(f"retry_after: {len(values)} values")


if __name__ == "__main__":
    main()
