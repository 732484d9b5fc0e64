#!/usr/bin/env python3
"""Compare two reports of probe_openstack.py — the real tier's (the reference) and another
cloud's, usually the simulator's — and list where the second answers differently.

    tests/real/compare_probe.py REFERENCE.json OTHER.json [--messages] [--only SCENARIO,...]
                                [--allow FILE]

Calls are matched by scenario and step. Compared: the status code; the body's shape (keys
and JSON types, recursively; a list by its first item); the presence of the headers a client
acts on (Retry-After, Location, WWW-Authenticate, X-Subject-Token); for polled state
sequences the last state, and the first one if the reference never had it (intermediate
states depend on timing: notes only); the paging facts (links present, next link on a full
last page). Calls the probe marks "racy" (the real answer depends on timing) give notes
only. With --messages, error texts too (ids are already {placeholders} in both reports).
--allow FILE names accepted differences, one text per line (# comments): a difference whose
line contains one of them is listed as "allowed" and does not count.
Exit status: 0 no difference, 1 differences, 2 usage. Python standard library only.
"""
import argparse
import json
import re
import sys

# ids in error texts: placeholders of the probe, or raw UUIDs it could not name
IDS = re.compile(r"\{[a-z_0-9]+\}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                 r"[0-9a-f]{12}|[0-9a-f]{32}")

HEADERS = ("retry-after", "location", "www-authenticate", "x-subject-token")


def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [v for v in value if not (isinstance(v, str) and v.startswith("… "))]
        return [shape(items[0])] if items else []
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "str"


# maps whose keys are data, not API (network names, metadata, driver details)
OPAQUE = {"addresses", "metadata", "binding:vif_details", "binding:profile",
          "volume_image_metadata", "capabilities", "properties"}


def shape_diff(ref, other, path="$"):
    """Differences between two shapes, as 'path: …' lines."""
    if path.rsplit(".", 1)[-1] in OPAQUE and isinstance(ref, dict) and isinstance(other, dict):
        return []
    if isinstance(ref, dict) and isinstance(other, dict):
        out = []
        for key in ref.keys() - other.keys():
            out.append(f"{path}.{key}: missing")
        for key in other.keys() - ref.keys():
            out.append(f"{path}.{key}: not in the reference")
        for key in ref.keys() & other.keys():
            out += shape_diff(ref[key], other[key], f"{path}.{key}")
        return out
    if isinstance(ref, list) and isinstance(other, list):
        if ref and other:
            return shape_diff(ref[0], other[0], f"{path}[0]")
        return []   # an empty list says nothing of its items
    if ref == other or "null" in (ref, other):
        return []   # null stands for any type: an optional value may be unset in one run
    return [f"{path}: {other} instead of {ref}"]


def message(body):
    """The service's error text in any of the OpenStack error shapes, ids as {id}."""
    if not isinstance(body, dict):
        return None
    text = body.get("message")
    if "faultstring" in body:
        text = body["faultstring"]
    elif "NeutronError" in body:
        text = body["NeutronError"].get("message")
    elif len(body) == 1:
        inner = next(iter(body.values()))
        if isinstance(inner, dict) and "message" in inner:
            text = inner["message"]
    return IDS.sub("{id}", text) if isinstance(text, str) else text


def calls(report, only):
    out = {}
    for scenario in report["scenarios"]:
        if only and scenario["name"] not in only:
            continue
        for call in scenario["calls"]:
            if "step" in call:
                out[(scenario["name"], call["step"])] = call
    return out


def compare_call(ref, other, with_messages):
    diffs, notes = [], []
    if "sequence" in ref:
        if "sequence" not in other:
            return ["not polled"], notes
        rs, os_ = [s for _, s in ref["sequence"]], [s for _, s in other["sequence"]]
        # a fast transition may end before the first GET: an unknown state is a
        # difference, a later known one only a note
        if os_[0] not in rs:
            diffs.append(f"first state {os_[0]!r}, not a state of the reference {rs}")
        if rs[-1] != os_[-1]:
            diffs.append(f"last state {os_[-1]!r} instead of {rs[-1]!r}")
        if rs != os_:
            notes.append(f"states {os_} (reference {rs})")
        if other.get("timed_out") and not ref.get("timed_out"):
            diffs.append("timed out")
        return diffs, notes
    if ref["status"] != other.get("status"):
        diffs.append(f"HTTP {other.get('status')} instead of {ref['status']}")
    for header in HEADERS:
        in_ref, in_other = header in ref["headers"], header in other.get("headers", {})
        if in_ref != in_other:
            diffs.append(f"header {header} {'missing' if in_ref else 'not in the reference'}")
    if ref["body"] is not None or other.get("body") is not None:
        diffs += [f"body {d}" for d in shape_diff(shape(ref["body"]), shape(other.get("body")))]
    if with_messages:
        ref_text, other_text = message(ref["body"]), message(other.get("body"))
        if ref_text != other_text:
            diffs.append(f"message {other_text!r} instead of {ref_text!r}")
    return diffs, notes


def compare(reference, other, with_messages=False, only=None):
    """(differences, notes) as printable lines."""
    ref_calls, other_calls = calls(reference, only), calls(other, only)
    diffs, notes = [], []
    for key, ref in ref_calls.items():
        where = f"{key[0]} / {key[1]}"
        if key not in other_calls:
            diffs.append(f"{where}: not run")
            continue
        d, n = compare_call(ref, other_calls[key], with_messages)
        if ref.get("racy"):   # the real answer depends on timing: any of them is right
            n, d = n + [f"(timing-dependent) {x}" for x in d], []
        diffs += [f"{where} [{ref.get('request', '')}]: {x}" for x in d]
        notes += [f"{where}: {x}" for x in n]
    for key, value in reference["facts"].items():
        if not key.startswith("paging."):
            continue
        got = other["facts"].get(key)
        if got is None:
            continue
        for field in ("status", "links_key_present", "moves_on", "next_again"):
            if field in value and value[field] != got.get(field):
                diffs.append(f"fact {key}: {field} {got.get(field)!r} instead of "
                             f"{value[field]!r}")
        ref_next = [link for link in value.get("links") or [] if link.get("rel") == "next"]
        got_next = [link for link in got.get("links") or [] if link.get("rel") == "next"]
        if bool(ref_next) != bool(got_next):
            diffs.append(f"fact {key}: next link {'missing' if ref_next else 'unexpected'}")
    return diffs, notes


def allowed(diffs, allow_file):
    """The differences that allow_file (one substring per line, # comments) accepts."""
    if not allow_file:
        return set()
    with open(allow_file) as f:
        accepted = [x.strip() for x in f if x.strip() and not x.lstrip().startswith("#")]
    return {d for d in diffs if any(a in d for a in accepted)}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reference")
    parser.add_argument("other")
    parser.add_argument("--messages", action="store_true", help="compare error texts too")
    parser.add_argument("--only", help="comma-separated scenarios")
    parser.add_argument("--allow", help="file of accepted differences (substrings)")
    args = parser.parse_args(argv[1:])
    with open(args.reference) as f:
        reference = json.load(f)
    with open(args.other) as f:
        other = json.load(f)
    only = set(args.only.split(",")) if args.only else None
    diffs, notes = compare(reference, other, args.messages, only)
    accepted = allowed(diffs, args.allow)
    for line in notes:
        print(f"note: {line}")
    for line in diffs:
        print(f"{'allowed' if line in accepted else 'DIFF'}: {line}")
    counted = len(diffs) - len(accepted)
    print(f"{counted} differences" + (f" ({len(accepted)} allowed)" if accepted else ""),
          file=sys.stderr)
    return 1 if counted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
