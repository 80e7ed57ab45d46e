"""Start-up refuses what would silently weaken the cluster, each with one
error line naming the problem: a malformed --whitelist entry (zero and
alpha), a cluster secret or token file that is missing, empty, too short or
readable by group/other, both --auth_token and --auth_token_file, an
advertised --my address no member could reach. The secret never appears in
the output. The same options work from the ini file. A secret passed as a
location query parameter is not echoed into errors or logs."""
import json
import os

import subprocess

from cairnlib import (CAIRN, Alpha, PLUGIN_DIR, Zero, cluster_secret, expect, free_port, http, note_secret,
                      sanitizer_clean, workdir)

wd = workdir("startup-refusals")
secret_path = cluster_secret(wd)
secret = open(secret_path).read().strip()
checked = 0


def run(args, timeout=30):
    """cairnlib.run without its cli.log: these command lines hold secrets on purpose."""
    p = subprocess.run([CAIRN] + args, capture_output=True, text=True, timeout=timeout)
    sanitizer_clean(p.stdout + p.stderr, "cairn " + args[0])
    return p


def refused(args, want):
    global checked
    p = run(args)
    out = p.stdout + p.stderr
    lines = [l for l in out.splitlines() if l.startswith("error:")]
    expect(p.returncode != 0, (args, out))
    expect(len(lines) == 1 and want in lines[0], (args, want, out))
    expect(secret not in out, out)
    checked += 1


def secret_file(name, content, mode):
    path = os.path.join(wd, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(content)
    os.chmod(path, mode)
    return path


zargs = lambda *extra: ["zero", "--http", "127.0.0.1:%d" % free_port(), "-w", os.path.join(wd, "zw-bad")] + list(extra)
for entry, full in (("10.0.0.0/", "10.0.0.1,10.0.0.0/"), ("/abc", "/abc"), ("10.0.0.1/33", "10.0.0.1/33"),
                    ("1.2.3", "1.2.3, 10.0.0.1"), ("fd00::/200", "fd00::/200")):
    refused(zargs("--whitelist", full), '"%s"' % entry)
refused(zargs("--whitelist", "10.0.0.1,,10.0.0.2"), "empty entry")

short = secret_file("short.secret", "only-15-bytes!!\n", 0o600)
empty = secret_file("empty.secret", "\n", 0o600)
shared = secret_file("shared.secret", secret + "\n", 0o644)
grp = secret_file("group.secret", secret + "\n", 0o640)
for path, want in ((os.path.join(wd, "missing.secret"), "cannot open"), (empty, "is empty"),
                   (short, "at least 16"), (shared, "chmod 600"), (grp, "chmod 600")):
    refused(zargs("--cluster_secret_file", path), want)
    refused(zargs("--auth_token_file", path), want)
refused(zargs("--auth_token", "a-token-given-twice", "--auth_token_file", secret_path), "not both")
note_secret("a-token-given-twice")

# The alpha: the same checks, and --my.
zero = Zero(wd)
aargs = lambda *extra: ["alpha", "--http", "127.0.0.1:%d" % free_port(), "-p", os.path.join(wd, "p-bad"),
                        "-z", zero.addr] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []) + list(extra)
refused(aargs("--whitelist", "10.0.0.0/"), '"10.0.0.0/"')
refused(aargs("--cluster_secret_file", shared), "chmod 600")
for my, want in (("0.0.0.0:8080", "wildcard"), ("[::]:8080", "wildcard"), ("::1:8080", "brackets"),
                 ("alpha-host", "port"), ("alpha-host:0", "port"), ("alpha-host:99999", "port")):
    refused(aargs("--my", my), want)
expect(not zero.state()["groups"], zero.state())  # no refused alpha joined
zero.stop()

# The ini file: [zero] cluster_secret_file and whitelist are read like flags.
ini = os.path.join(wd, "cairn.ini")
open(ini, "w").write("[zero]\ncluster_secret_file = %s\nwhitelist = 10.1.0.0/\n" % secret_path)
refused(["zero", "--config", ini, "--http", "127.0.0.1:%d" % free_port(), "-w", os.path.join(wd, "zw-ini")],
        '"10.1.0.0/"')
open(ini, "w").write("[zero]\ncluster_secret_file = %s\n" % grp)
refused(["zero", "--config", ini, "--http", "127.0.0.1:%d" % free_port(), "-w", os.path.join(wd, "zw-ini")],
        "chmod 600")
open(ini, "w").write("[zero]\ncluster_secret_file = %s\nwhitelist = 10.1.0.0/16\n" % secret_path)
zero = Zero(wd, wal=os.path.join(wd, "zw-ini"), extra=["--config", ini])
st, body = http("POST", "http://%s/internal/connect" % zero.addr, json.dumps({"addr": "127.0.0.1:1"}))
expect(st == 401, (st, body))  # the secret from the ini file is in force
expect("loopback-only" not in zero.proc.output(), zero.proc.output())
zero.stop()
z = Zero(wd, wal=os.path.join(wd, "zw-nosecret"))
expect(z.proc.output().count("the cluster is loopback-only") == 1, z.proc.output())
z.stop()

# A secret in a location's query string is never echoed.
LOC_SECRET = "loc-query-secret-6b1d0e"
note_secret(LOC_SECRET)
zero = Zero(wd, wal=os.path.join(wd, "zw-loc"))
alpha = Alpha(wd, zero, postings=os.path.join(wd, "p-loc"))
for loc in ("s3://127.0.0.1:1/bucket?secret_key=%s" % LOC_SECRET,
            "minio://127.0.0.1:1/bucket?X-Amz-Signature=%s" % LOC_SECRET,
            "file://%s/b?token=%s" % (wd, LOC_SECRET)):
    out = alpha.backup(loc)
    expect("errors" in out and LOC_SECRET not in json.dumps(out), out)
    p = run(["lsbackup", "-l", loc] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []))
    expect(p.returncode != 0 and LOC_SECRET not in p.stdout + p.stderr, p.stderr)
    checked += 2
alpha.stop()
zero.stop()
expect(LOC_SECRET not in alpha.proc.output() and LOC_SECRET not in zero.proc.output())
print("%d refusals checked; 0 failed" % checked)
