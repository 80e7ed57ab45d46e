#!/usr/bin/env python3
"""cairn's backup benchmark: one table, measured in one run on one data set.

    python3 bench/bench.py [--triples N] [--short] [--cores C] [--keep] [--no-rss4x]
    (after cmake --build build; missing tools are installed by scripts/setup.sh)

Generates a deterministic (seeded) data set -- short strings, integers, uid
edges, long text -- loads it as N-Quads, 100k triples per /mutate, and
measures on it: cairn's full backup (plain and encrypted, gzip and, when the
build has it, zstd), gzip / pigz / libdeflate-gzip / zstd on the export,
restic on the postings directory, cairn restore against restic restore, the
incremental after a 1% change, the load rate and the alpha's peak RSS during
a backup at 1x and 4x the data. Beside the figures: ratios and the targets of
issue 11, met or not. MB = 10^6 bytes; MB/s are MB of exported N-Quads per
second. See bench/README.md."""
import argparse
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("CAIRN_BIN", os.path.join(ROOT, "build", "bin", "cairn"))
os.environ.setdefault("CAIRN_PLUGIN_DIR", os.path.join(ROOT, "build", "lib", "cairn", "plugins"))
os.environ.setdefault("CAIRN_BUILD_DIR", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import cairnlib  # noqa: E402
from cairnlib import Alpha, Zero, expect, lit, note_secret, restore  # noqa: E402

MB = 1e6
BATCH = 100000
TOOLS = ["gzip", "pigz", "libdeflate-gzip", "zstd", "restic"]
WORDS = ("stone cairn path ridge moss cloud river birch granite summit valley heather wind trail marker "
         "lichen slope cairns north south peak glen loch burn scree crag fell tarn bothy").split()


# ---------------------------------------------------------------- data set

def subject_triples(rng, uid0, nsubj, i):
    """The triples of subject i (4 or 5): a short string, two integers, an
    edge to another subject and, for one subject in three, a long text."""
    s = "<0x%x>" % (uid0 + i)
    out = ["%s <name> %s ." % (s, lit("%s %s %d" % (rng.choice(WORDS), rng.choice(WORDS), i))),
           "%s <age> %s ." % (s, lit(str(rng.randrange(100)), typ="xs:int")),
           "%s <score> %s ." % (s, lit(str(rng.randrange(1 << 40)), typ="xs:int")),
           "%s <follows> <0x%x> ." % (s, uid0 + rng.randrange(nsubj))]
    if i % 3 == 0:
        n = rng.randrange(30, 120)
        out.append("%s <bio> %s ." % (s, lit(" ".join(rng.choice(WORDS) for _ in range(n)), lang="en")))
    return out


def load(alpha, uid0, nsubj, first, seed):
    """Loads subjects [first, nsubj) in bodies of about BATCH triples;
    returns (triples, seconds). Generation is not timed."""
    rng = random.Random(seed)
    total, secs, lines = 0, 0.0, []

    def send():
        nonlocal secs
        t0 = time.time()
        alpha.mutate("{ set {\n%s\n} }" % "\n".join(lines))
        secs += time.time() - t0

    for i in range(first, nsubj):
        lines += subject_triples(rng, uid0, nsubj, i)
        if len(lines) >= BATCH:
            total += len(lines)
            send()
            lines = []
    if lines:
        total += len(lines)
        send()
    return total, secs


def change_one_percent(alpha, uid0, nsubj, ntriples, seed):
    """Changes the value of 1% of the triples: <age> of that many subjects."""
    rng = random.Random(seed + 1)
    pick = rng.sample(range(nsubj), min(nsubj, max(1, ntriples // 100)))
    for k in range(0, len(pick), BATCH // 2):
        part = pick[k:k + BATCH // 2]
        dels = "\n".join("<0x%x> <age> * ." % (uid0 + i) for i in part)
        sets = "\n".join("<0x%x> <age> %s ." % (uid0 + i, lit(str(100 + rng.randrange(100)), typ="xs:int"))
                         for i in part)
        alpha.mutate("{ delete {\n%s\n} set {\n%s\n} }" % (dels, sets))
    return len(pick)


# ---------------------------------------------------------------- helpers

def du(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for r, _, fs in os.walk(path):
        for f in fs:
            p = os.path.join(r, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def sh(cmd, **kw):
    """Runs cmd (a list), timed; its output goes to a file, never to a log."""
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, **kw)
    secs = time.time() - t0
    expect(p.returncode == 0, "%s failed (%d): %s" % (cmd[0], p.returncode, p.stderr.decode(errors="replace")[-2000:]))
    return secs


def shell_to(cmd, out):
    t0 = time.time()
    with open(out, "wb") as f:
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE)
    expect(p.returncode == 0, "%s failed: %s" % (cmd[0], p.stderr.decode(errors="replace")[-2000:]))
    return time.time() - t0


def export_to(alpha, path):
    """/export streamed into a file (not sorted: only its size matters)."""
    req = urllib.request.Request(alpha.url + "/export?format=rdf", headers=alpha.headers())
    with urllib.request.urlopen(req, timeout=900) as r, open(path, "wb") as f:
        shutil.copyfileobj(r, f, 1 << 20)
    return os.path.getsize(path)


def timed_exports(alpha, path, n=3):
    """The export's size and its best time of n (the machine may be shared)."""
    best = None
    for _ in range(n):
        t0 = time.time()
        size = export_to(alpha, path)
        secs = time.time() - t0
        best = secs if best is None else min(best, secs)
    return size, best


def proc_status(pid, field):
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class AnonPeak:
    """Samples RssAnon (heap, not LMDB's file-backed pages) while it runs."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.t = threading.Thread(target=self.run)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, proc_status(self.pid, "RssAnon"))
            time.sleep(0.01)

    def done(self):
        self.stop.set()
        self.t.join()
        return self.peak


def manifests(dest):
    out = []
    for m in sorted(glob.glob(os.path.join(dest, "**", "manifest.json"), recursive=True)):
        try:
            out.append(json.load(open(m)))
        except (OSError, ValueError):
            pass
    return out


def objects_size(dest):
    n = sum(os.path.getsize(p) for p in glob.glob(os.path.join(dest, "**", "*.backup"), recursive=True))
    return n or du(dest)


def compression_flags(helptext):
    """(flag, level flag) of `cairn alpha --help` when it offers zstd, else (None, None)."""
    if "zstd" not in helptext:
        return None, None
    flags = re.findall(r"--(\w*compression\w*)", helptext)
    kind = next((f for f in flags if "level" not in f), None)
    level = next((f for f in flags if "level" in f), None)
    return kind, level


# ---------------------------------------------------------------- the run

class Bench:
    def __init__(self, args):
        self.args = args
        self.wd = cairnlib.workdir("bench") if not args.wd else args.wd
        os.makedirs(self.wd, exist_ok=True)
        self.zero = Zero(self.wd)
        self.postings = os.path.join(self.wd, "p")
        self.alpha = None
        self.key = os.path.join(self.wd, "backup.key")
        k = os.urandom(32)
        note_secret(k)
        note_secret(k.hex())
        with open(self.key, "wb") as f:
            f.write(k)
        os.chmod(self.key, 0o600)
        self.rows = {}
        self.at_rest = False  # whether self.postings is encrypted at rest
        p = subprocess.run([cairnlib.CAIRN, "alpha", "--help"], capture_output=True, text=True)
        self.zflag, self.zlevel = compression_flags(p.stdout + p.stderr)
        self.zstd_ok = None  # unknown until tried

    def start(self, extra=None):
        if self.alpha is not None:
            self.alpha.stop()
        self.alpha = Alpha(self.wd, self.zero, postings=self.postings, extra=extra or [])
        return self.alpha

    def stop(self):
        if self.alpha is not None:
            self.alpha.stop()
            self.alpha = None

    def backup(self, name, dest, encrypted=False, zstd=False, force_full=False):
        """A full (or incremental) backup by an alpha started for it; returns
        dict(secs, size, hwm, anon, compression) or None when zstd is not
        supported by this build."""
        extra = ["--encryption_key_file", self.key] if encrypted else []
        if encrypted and not self.at_rest:
            extra += ["--at_rest=false"]  # a plain store stays plain: the key is for the backup
        inp = {}
        if zstd and self.zflag:
            extra += ["--" + self.zflag, "zstd"] + (["--" + self.zlevel, "1"] if self.zlevel else [])
        elif zstd:
            inp = {"compression": "zstd"}
        try:
            a = self.start(extra)
        except AssertionError:
            if not zstd:
                raise
            self.alpha, self.zstd_ok = None, False  # the alpha refused the flag
            return None
        pid = a.proc.p.pid
        anon = AnonPeak(pid)
        t0 = time.time()
        try:
            out = a.backup(dest, force_full, **inp)
        except AssertionError:  # a status other than 200: an input field it does not know
            if not zstd:
                raise
            out = {"errors": ["refused"]}
        secs = time.time() - t0
        peak_anon = anon.done()
        hwm = proc_status(pid, "VmHWM")
        if "errors" in out or out.get("data", {}).get("backup", {}).get("response", {}).get("code") != "Success":
            if zstd:
                self.zstd_ok = False
                return None
            expect(False, "backup %s failed: %s" % (name, out))
        ms = manifests(dest)
        comp = ms[-1].get("compression", "gzip") if ms else "?"
        if zstd:
            self.zstd_ok = comp == "zstd"
            if not self.zstd_ok:
                return None
        return {"secs": secs, "size": objects_size(dest), "hwm": hwm, "anon": peak_anon, "compression": comp}

    def at_rest_run(self, nsubj):
        """Encryption at rest: the same data loaded into a store encrypted at
        rest (its own zero: a new cluster), exported, and backed up (gzip,
        encrypted) as the plain store was."""
        a, wd, R = self.args, self.wd, self.rows
        zero, postings = self.zero, self.postings
        self.zero = Zero(wd, wal=os.path.join(wd, "zw-at-rest"))
        self.postings = os.path.join(wd, "p-at-rest")
        self.at_rest = True
        try:
            uid0 = self.zero.assign("uids", nsubj * 4 + 10)["startId"]
            alpha = self.start(["--encryption_key_file", self.key])
            n, R["rest_load_secs"] = load(alpha, uid0, nsubj, 0, a.seed)
            out = os.path.join(wd, "export-at-rest.rdf")
            size, R["rest_export_secs"] = timed_exports(alpha, out)
            os.unlink(out)
            self.stop()
            R["rest_postings"] = du(self.postings)
            R["gzip_enc_rest"] = self.backup("gzip_enc_rest", os.path.join(wd, "b-at-rest"), encrypted=True)
            self.stop()
            log("at rest: load %.2f s, export %.2f s (%.1f MB), gzip encrypted backup %.2f s"
                % (R["rest_load_secs"], R["rest_export_secs"], size / MB, R["gzip_enc_rest"]["secs"]))
            expect(n == R["triples"], (n, R["triples"]))
        finally:
            self.zero.stop()
            self.zero, self.postings, self.at_rest = zero, postings, False

    def run(self):
        a, wd, cores = self.args, self.wd, self.args.cores
        R = self.rows
        nsubj = max(10, a.triples * 3 // 13)  # 4 or 5 triples a subject: 13 per 3
        uid0 = self.zero.assign("uids", nsubj * 4 + 10)["startId"]
        alpha = self.start()
        n1, load_secs = load(alpha, uid0, nsubj, 0, a.seed)
        R["triples"], R["load_secs"] = n1, load_secs
        exp = os.path.join(wd, "export.rdf")
        R["export"], R["export_secs"] = timed_exports(alpha, exp)
        self.stop()
        R["postings"] = du(self.postings)
        log("loaded %d triples in %.1f s; export %.1f MB, postings %.1f MB"
            % (n1, load_secs, R["export"] / MB, R["postings"] / MB))

        # restic on the postings directory, the alpha stopped.
        repo, pw = os.path.join(wd, "restic-repo"), os.path.join(wd, "restic.pw")
        secret = os.urandom(16).hex()
        note_secret(secret)
        with open(pw, "w") as f:
            f.write(secret + "\n")
        env = dict(os.environ, RESTIC_CACHE_DIR=os.path.join(wd, "restic-cache"))
        rflags = ["--repo", repo, "--password-file", pw, "--quiet"]
        sh(["restic", "init"] + rflags, env=env)
        R["restic"] = {"secs": sh(["restic", "backup"] + rflags + [self.postings], env=env), "size": du(repo)}
        log("restic backup: %.2f s" % R["restic"]["secs"])

        # cairn full backups: gzip plain and encrypted, zstd plain and encrypted.
        for name, enc, z in (("gzip", False, False), ("gzip_enc", True, False),
                             ("zstd", False, True), ("zstd_enc", True, True)):
            if z and self.zstd_ok is False:
                R[name] = None
                continue
            R[name] = self.backup(name, os.path.join(wd, "b-" + name), encrypted=enc, zstd=z)
            log("cairn %s: %s" % (name, "n/a" if R[name] is None else "%.2f s" % R[name]["secs"]))
        self.stop()

        self.at_rest_run(nsubj)

        # Tools on the export file.
        for name, cmd in (("gzip6", ["gzip", "-6", "-c", exp]),
                          ("pigz", ["pigz", "-p%d" % cores, "-6", "-c", exp]),
                          ("libdeflate", ["libdeflate-gzip", "-6", "-c", exp]),
                          ("zstd1", ["zstd", "-1", "-T%d" % cores, "-q", "-c", exp])):
            out = os.path.join(wd, "export." + name)
            R[name] = {"secs": shell_to(cmd, out), "size": os.path.getsize(out)}
            os.unlink(out)
        log("tools on the export done")

        # Restores: cairn's (the gzip full series) against restic's.
        t = os.path.join(wd, "restore-cairn")
        t0 = time.time()
        p = restore(["-p", t, "-l", os.path.join(wd, "b-gzip"), "--force_zero=false"])
        R["restore_cairn"] = time.time() - t0
        expect(p.returncode == 0, p.stderr)
        shutil.rmtree(t, ignore_errors=True)
        t = os.path.join(wd, "restore-restic")
        R["restore_restic"] = sh(["restic", "restore", "latest", "--target", t] + rflags, env=env)
        shutil.rmtree(t, ignore_errors=True)
        log("restores: cairn %.2f s, restic %.2f s" % (R["restore_cairn"], R["restore_restic"]))

        # The incremental after a 1% change, on the gzip series.
        alpha = self.start()
        R["changed"] = change_one_percent(alpha, uid0, nsubj, n1, a.seed)
        R["incr"] = self.backup("incremental", os.path.join(wd, "b-gzip"))
        self.stop()
        log("incremental: %.2f s" % R["incr"]["secs"])

        # Peak RSS at 4x: 3x more subjects, then a full backup by a fresh alpha.
        R["rss4"] = None
        if a.rss4x:
            uid4 = self.zero.assign("uids", nsubj * 3 * 4 + 10)["startId"]
            alpha = self.start()
            n4, _ = load(alpha, uid4, nsubj * 3, 0, a.seed + 7)
            self.stop()
            R["triples4"] = n1 + n4
            R["rss4"] = self.backup("gzip-4x", os.path.join(wd, "b-4x"))
            self.stop()
            log("4x backup: %.2f s" % R["rss4"]["secs"])
        self.zero.stop()


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the table

def table(R, cores):
    exp = R["export"]
    rows = []

    def rate(secs):
        return exp / MB / secs if secs > 0 else float("inf")

    def row(name, secs=None, mbs=None, size=None, vs="", target="", met=None):
        rows.append((name, "" if secs is None else "%.2f" % secs, "" if mbs is None else "%.1f" % mbs,
                     "" if size is None else "%.1f" % (size / MB), vs, target,
                     "" if met is None else ("met" if met else "NOT MET")))

    def na(name, target=""):
        rows.append((name, "n/a", "n/a", "n/a", "not in this build", target, "n/a"))

    lib1 = rate(R["libdeflate"]["secs"])
    ceiling = lib1 * cores
    g6 = R["gzip6"]["size"]
    restic_rate = rate(R["restic"]["secs"])
    load_rate = R["triples"] / R["load_secs"]
    row("load (%d triples, 100k per /mutate)" % R["triples"], R["load_secs"], None, None,
        "%.0f triples/s" % load_rate, ">= 100k triples/s", load_rate >= 100000)
    for name, label in (("gzip", "cairn full, gzip"), ("gzip_enc", "cairn full, gzip, encrypted"),
                        ("zstd", "cairn full, zstd"), ("zstd_enc", "cairn full, zstd, encrypted")):
        b = R.get(name)
        target, met = "", None
        if name == "gzip_enc":
            target = ">= 85% ceiling, size <= gzip -6"
        if name == "zstd":
            target = ">= 3x restic, size < restic repo"
        if b is None:
            na(label, target)
            continue
        r = rate(b["secs"])
        vs = "%.0f%% ceiling, %.2fx gzip-6 size" % (100 * r / ceiling, b["size"] / g6)
        if name == "gzip_enc":
            met = r >= 0.85 * ceiling and b["size"] <= g6
        if name.startswith("zstd"):
            vs = "%.1fx restic, %.2fx restic repo" % (r / restic_rate, b["size"] / R["restic"]["size"])
            if name == "zstd":
                met = r >= 3 * restic_rate and b["size"] < R["restic"]["size"]
        row(label, b["secs"], r, b["size"], vs, target, met)
    for name, label in (("gzip6", "gzip -6 (export)"), ("pigz", "pigz -p%d -6 (export)" % cores),
                        ("libdeflate", "libdeflate-gzip -6, 1 core (export)"),
                        ("zstd1", "zstd -1 -T%d (export)" % cores)):
        t = R[name]
        r = rate(t["secs"])
        row(label, t["secs"], r, t["size"], "%.0f%% ceiling" % (100 * r / ceiling))
    row("ceiling = libdeflate 1 core x %d" % cores, R["libdeflate"]["secs"] / cores, ceiling, None, "100% ceiling")
    row("restic 0.14 backup (postings %.1f MB)" % (R["postings"] / MB), R["restic"]["secs"], restic_rate,
        R["restic"]["size"], "repository size")
    rc, rr = R["restore_cairn"], R["restore_restic"]
    row("cairn restore (gzip full)", rc, rate(rc), None, "%.2fx restic restore" % (rc / rr),
        "<= 0.5x restic restore", rc <= 0.5 * rr)
    row("restic restore", rr, rate(rr), None, "")
    inc = R["incr"]
    full = R["gzip"]["secs"]
    row("incremental after 1%% change (%d values)" % R["changed"], inc["secs"], None, inc["size"] - R["gzip"]["size"],
        "%.1f%% of full" % (100 * inc["secs"] / full), "<= 5% of full", inc["secs"] <= 0.05 * full)
    # VmHWM counts LMDB's mapped file pages, which a backup reads all of: it
    # grows with the store whatever the alpha allocates. The target is judged
    # on the alpha's own (anonymous) memory, sampled every 10 ms.
    h1, a1 = R["gzip"]["hwm"], max(R["gzip"]["anon"], 1)
    rows.append(("alpha peak RSS in backup, 1x", "", "", "%.1f" % (h1 / MB),
                 "VmHWM; peak RssAnon %.1f MB" % (a1 / MB), "", ""))
    if R["rss4"]:
        h4, a4 = R["rss4"]["hwm"], R["rss4"]["anon"]
        rows.append(("alpha peak RSS in backup, 4x (%d triples)" % R["triples4"], "", "", "%.1f" % (h4 / MB),
                     "VmHWM %+.0f%%; peak RssAnon %.1f MB, %+.0f%%" % (100 * (h4 / h1 - 1), a4 / MB,
                                                                        100 * (a4 / a1 - 1)),
                     "RssAnon growth < 10%", "met" if a4 < 1.10 * a1 else "NOT MET"))
    else:
        rows.append(("alpha peak RSS in backup, 4x", "skipped", "", "", "", "RssAnon growth < 10%", "n/a"))

    # Encryption at rest: the same work on a store encrypted at rest beside
    # the plain store's (cost: extra time as a share of the plain time).
    def cost(plain, enc):
        return "%+.0f%% time vs plain store" % (100 * (enc / plain - 1))

    rl = R["triples"] / R["rest_load_secs"]
    row("at rest: load, plain store", R["load_secs"], None, R["postings"], "%.0f triples/s" % load_rate)
    row("at rest: load, encrypted store", R["rest_load_secs"], None, R["rest_postings"],
        "%.0f triples/s, %s" % (rl, cost(R["load_secs"], R["rest_load_secs"])),
        "cost < 15%", R["rest_load_secs"] < 1.15 * R["load_secs"])
    row("at rest: export, plain store", R["export_secs"], rate(R["export_secs"]), exp, "")
    row("at rest: export, encrypted store", R["rest_export_secs"], rate(R["rest_export_secs"]), None,
        cost(R["export_secs"], R["rest_export_secs"]), "cost < 15%",
        R["rest_export_secs"] < 1.15 * R["export_secs"])
    ge, ger = R["gzip_enc"]["secs"], R["gzip_enc_rest"]["secs"]
    row("at rest: gzip encrypted backup, plain store", ge, rate(ge), R["gzip_enc"]["size"], "")
    row("at rest: gzip encrypted backup, encrypted store", ger, rate(ger), R["gzip_enc_rest"]["size"],
        cost(ge, ger), "cost < 15%", ger < 1.15 * ge)

    head = ("", "seconds", "MB/s", "size MB", "ratio", "target", "")
    w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    fmt = "  ".join(("%%%ds" if 0 < i < 4 else "%%-%ds") % w[i] for i in range(len(head)))
    print("cairn backup benchmark: %d triples, export %.1f MB of N-Quads, %d cores (MB = 10^6 bytes;"
          " MB/s = export MB / seconds)" % (R["triples"], exp / MB, cores))
    print((fmt % head).rstrip())
    for r in rows:
        print((fmt % r).rstrip())
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--triples", type=int, default=1000000, help="size of the data set (default 1M)")
    ap.add_argument("--short", action="store_true", help="a tiny data set: proves the script works")
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="cores for pigz/zstd and the ceiling")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--rss4x", dest="rss4x", action="store_true", default=None,
                    help="measure peak RSS at 4x the data (default on, off with --short)")
    ap.add_argument("--no-rss4x", dest="rss4x", action="store_false")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--wd", help="work directory (default: a new one under build/test-logs)")
    args = ap.parse_args()
    if args.short:
        args.triples = min(args.triples, 20000)
    if args.rss4x is None:
        args.rss4x = not args.short
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        log("%s missing: running scripts/setup.sh" % ", ".join(missing))
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "setup.sh")], check=True)
    if not os.access(cairnlib.CAIRN, os.X_OK):
        log("no cairn binary at %s: build first (cmake -S . -B build && cmake --build build)" % cairnlib.CAIRN)
        return 2
    b = Bench(args)
    ok = False
    try:
        b.run()
        table(b.rows, args.cores)
        ok = True
    finally:
        if not args.keep and ok:
            shutil.rmtree(b.wd, ignore_errors=True)
        elif args.keep:
            log("work directory kept: " + b.wd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
