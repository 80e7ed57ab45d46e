#!/usr/bin/env python3
"""Backup throughput and memory, side by side with the peer an operator would
otherwise use: `tar | gzip -6` of the alpha's postings directory (a cold copy,
with the alpha stopped), and `gzip -6` of an export.

    python3 scripts/bench.py [--triples N]        (after cmake --build build)

Prints, for each: seconds, MiB/s of input, output MiB, and peak RSS."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("CAIRN_BIN", os.path.join(ROOT, "build", "bin", "cairn"))
os.environ.setdefault("CAIRN_PLUGIN_DIR", os.path.join(ROOT, "build", "lib", "cairn", "plugins"))
os.environ.setdefault("CAIRN_BUILD_DIR", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from cairnlib import Alpha, Zero, lit  # noqa: E402


def peak_of(pid, stop, out):
    while not stop.is_set():
        try:
            for line in open("/proc/%d/status" % pid):
                if line.startswith("RssAnon:"):
                    out[0] = max(out[0], int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)


def du(path):
    total = 0
    for r, _, fs in os.walk(path):
        for f in fs:
            total += os.path.getsize(os.path.join(r, f))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--triples", type=int, default=500000)
    args = ap.parse_args()
    wd = tempfile.mkdtemp(prefix="cairn-bench-")
    zero = Zero(wd)
    alpha = Alpha(wd, zero)
    lease = zero.assign("uids", args.triples // 5 + 1)
    base = lease["startId"]
    batch = 50000
    t0 = time.time()
    for k in range(0, args.triples, batch):
        lines = []
        for i in range(k, min(k + batch, args.triples)):
            s = base + i // 5
            lines.append("<0x%x> <p%d> %s ." % (s, i % 5, lit("value %d %s" % (i, "x" * (i % 40)))))
        alpha.mutate("{ set {\n%s\n} }" % "\n".join(lines))
    load = time.time() - t0
    dest = os.path.join(wd, "backups")
    peak = [0]
    stop = threading.Event()
    t = threading.Thread(target=peak_of, args=(alpha.proc.p.pid, stop, peak))
    t.start()
    t0 = time.time()
    alpha.backup_ok(dest)
    cairn_secs = time.time() - t0
    stop.set()
    t.join()
    cairn_out = du(dest)
    export = alpha.export()
    data_bytes = len(export.encode())
    alpha.stop()
    zero.stop()

    def timed(cmd):
        t0 = time.time()
        subprocess.run(["bash", "-c", cmd], check=True)
        return time.time() - t0

    tar_out = os.path.join(wd, "p.tar.gz")
    tar_secs = timed("tar -C %s -cf - p | gzip -6 > %s" % (wd, tar_out))
    exp_path = os.path.join(wd, "export.rdf")
    open(exp_path, "w").write(export)
    gz_out = os.path.join(wd, "export.rdf.gz")
    gz_secs = timed("gzip -6 -c %s > %s" % (exp_path, gz_out))
    mib = 1 << 20
    print("%d triples, %.1f MiB as N-Quads, postings directory %.1f MiB (loaded in %.1f s)"
          % (args.triples, data_bytes / mib, du(os.path.join(wd, "p")) / mib, load))
    print("%-38s %8s %10s %10s %12s" % ("", "seconds", "MiB/s*", "out MiB", "peak RSS"))
    print("%-38s %8.2f %10.1f %10.1f %9.1f MiB" % ("cairn full backup (online, gzip)", cairn_secs,
          data_bytes / mib / cairn_secs, cairn_out / mib, peak[0] / 1024))
    print("%-38s %8.2f %10.1f %10.1f %12s" % ("tar | gzip -6 of postings (offline)", tar_secs,
          data_bytes / mib / tar_secs, os.path.getsize(tar_out) / mib, "-"))
    print("%-38s %8.2f %10.1f %10.1f %12s" % ("gzip -6 of the export", gz_secs, data_bytes / mib / gz_secs,
          os.path.getsize(gz_out) / mib, "-"))
    print("* MiB of N-Quad data per second. cairn's peak: the alpha's whole anonymous memory while the")
    print("  backup ran (LMDB pages are file-backed and not counted)")
    shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    main()
