#!/usr/bin/env python3
"""Blank nodes cost linear time: POST /mutate bodies with n distinct blank
nodes (n doubling), and print seconds per body and microseconds per node; a
per-node cost that stays flat as n doubles is linear. Not a test: timings
are figures to read, not to assert.

    python3 scripts/bench_blank_nodes.py [--short]   (after cmake --build build)

--short runs 10k and 80k only (80k blank nodes is a 1.6 MB body)."""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("CAIRN_BIN", os.path.join(ROOT, "build", "bin", "cairn"))
os.environ.setdefault("CAIRN_PLUGIN_DIR", os.path.join(ROOT, "build", "lib", "cairn", "plugins"))
os.environ.setdefault("CAIRN_BUILD_DIR", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from cairnlib import Alpha, Zero, http  # noqa: E402


def body(n):
    return "{ set {\n%s} }" % "".join('_:b%d <k> "%d" .\n' % (i, i) for i in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--short", action="store_true")
    args = ap.parse_args()
    sizes = [10000, 80000] if args.short else [10000, 20000, 40000, 80000, 160000]
    wd = tempfile.mkdtemp(prefix="cairn-bench-blank-")
    zero = Zero(wd)
    alpha = Alpha(wd, zero)
    try:
        print("%10s %10s %10s %12s %10s" % ("blanks", "body MB", "seconds", "us/node", "uids"))
        for n in sizes:
            b = body(n)
            t0 = time.time()
            st, out = http("POST", alpha.url + "/mutate?commitNow=true", b, {"Content-Type": "application/rdf"})
            took = time.time() - t0
            uids = len(set(json.loads(out)["data"]["uids"].values())) if st == 200 else 0
            print("%10d %10.2f %10.3f %12.2f %10d" % (n, len(b) / 1e6, took, took * 1e6 / n, uids))
            if st != 200:
                print("error %d: %s" % (st, out[:300]))
                return 1
    finally:
        alpha.stop()
        zero.stop()
        shutil.rmtree(wd, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
