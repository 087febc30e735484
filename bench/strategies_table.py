#!/usr/bin/env python3
"""bench/strategies_table.py - the markdown table of bench/strategies.sh.

Reads the `lsmlab bench --json` files of one comparison run (one per
strategy, fillrandom, overwrite, readrandom) and prints, per strategy:
throughput of each benchmark, WA (all, without WAL), the closed-form write
cost of REFERENCE.md where one exists (leveling (T-1)L/2, tiering
(T-1)L/T, each + 1 for the flush), SA at the end and at its peak, and the
read path per get (sorted runs probed, device I/Os and bytes per found get).
Field meanings: docs/metrics.md.
"""
import json
import math
import sys


def closed_form(d):
    """(label, value) of the closed-form WA without WAL, or None."""
    cfg = d["config"]
    n = cfg["bench"]["options"]["num"]
    entry = cfg["bench"]["options"]["key_size"] + cfg["bench"]["options"]["value_size"]
    m = cfg["engine"]["options"]["write_buffer_size"]
    st = cfg["strategy"]
    if st["name"] == "leveled":
        t = st["options"]["max_bytes_for_level_multiplier"]
        levels = math.ceil(math.log(n * entry / m + 1, t))
        return "(T-1)L/2+1, T=%g L=%d" % (t, levels), (t - 1) * levels / 2 + 1
    if st["name"] == "tiered":
        t = st["options"]["min_threshold"]
        levels = math.ceil(math.log(n * entry / m + 1, t))
        return "(T-1)L/T+1, T=%g L=%d" % (t, levels), (t - 1) * levels / t + 1
    return None


def row(path):
    with open(path) as f:
        d = json.load(f)
    ops = {b["name"]: b["ops_per_sec"] for b in d["benchmarks"]}
    a = d["amplification"]
    rd = d["lsm"]["read"]
    cf = closed_form(d)
    gets = rd["gets"] or 1
    return [
        d["config"]["strategy"]["name"],
        "%.0f" % ops.get("fillrandom", 0),
        "%.0f" % ops.get("overwrite", 0),
        "%.0f" % ops.get("readrandom", 0),
        "%.2f" % a["wa"],
        "%.2f" % a["wa_no_wal"],
        "%.2f (%s)" % (cf[1], cf[0]) if cf else "-",
        "%.3f" % a["sa"],
        "%.3f" % a["sa_peak"],
        "%.2f" % (rd["runs_probed"] / gets),
        "%.3f" % a["ra_found_ios_per_get"],
        "%.0f" % a["ra_found_bytes_per_get"],
        "%.0f" % a["ra_notfound_bytes_per_get"],
        "%d" % d["lsm"]["sum"]["runs"],
    ]


def main(paths):
    head = ["strategy", "fillrandom ops/s", "overwrite ops/s", "readrandom ops/s",
            "WA", "WA no WAL", "closed form (no WAL)", "SA", "peak SA",
            "runs probed/get", "I/Os/get (found)", "bytes/get (found)",
            "bytes/get (absent)", "runs at end"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for p in paths:
        print("| " + " | ".join(row(p)) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: strategies_table.py BENCH.json ...")
    main(sys.argv[1:])
