"""storage-gcs against the GCS stand-in (tests/servers/gcs_standin.py),
authenticating with a throw-away service-account key: `cairn storage-check
gs://...` passes every check (with tokens that live 20 s, so they are
refreshed during the run, and uploads in 1 MiB resumable chunks); an
upload of several chunks that is aborted cancels its session and leaves
nothing, one committed reads back whole and by range; 96 MiB written and
read back through storage_tool with its peak memory under 48 MiB; against a stand-in
answering every 4th request 503 storage-check still passes (retries); an alpha
backs up (full, then incremental) to gs://, lsbackup lists both, verify
passes and restore gives the original export; a key of the same account that
Google does not know (the signature fails) is refused with one clear error
naming the account and holding no secret; a read-only account gets a
permission error; a missing bucket is named as missing, as are a location
parameter that is not one and a missing key; a token or storage endpoint
that never answers fails at the request deadline ([gcs] request_timeout,
max_retries), naming the server."""
import os
import socket
import subprocess
import sys
import threading

from cairnlib import (PLUGIN_DIR, SANITIZE, Alpha, Model, Zero, expect, lit, load_sample, lsbackup, restore, run,
                      workdir)
from gcslib import GcsStandIn, ServiceAccount

wd = workdir("storage-gcs")
sa = ServiceAccount(wd)
ro = ServiceAccount(wd, name="cairn-reader")
gcs = GcsStandIn(wd, [sa, ro], ["cairn-backups", "scratch"], read_only=(ro,), token_ttl=20, page_size=100)
sa.write(gcs.token_uri)
ro.write(gcs.token_uri)
ENV = {"GOOGLE_APPLICATION_CREDENTIALS": sa.path}
PD = ["--plugin_dir", PLUGIN_DIR]
ini = os.path.join(wd, "gcs.ini")
with open(ini, "w") as f:
    f.write("[gcs]\nchunk_mb = 1\n")


def loc(bucket, prefix=""):
    return "gs://%s%s?endpoint=%s" % (bucket, "/" + prefix if prefix else "", gcs.addr)


def one_error(p):
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    expect(p.returncode != 0 and len(lines) == 1, p.stdout + p.stderr)
    return lines[0]


def no_secrets(text):
    for line in sa.pem.splitlines()[1:-1] + [sa.key_id]:
        expect(line not in text, "a secret in the output")
    for t in open(gcs.token_log).read().split() if os.path.exists(gcs.token_log) else []:
        expect(t not in text, "a token in the output")


try:
    # The conformance run.
    p = run(["storage-check", loc("scratch", "check"), "--large_mb", "12", "--objects", "450", "--config", ini] + PD,
            env=ENV, timeout=600)
    expect(p.returncode == 0 and "11 passed, 0 failed, 0 skipped" in p.stdout, p.stdout + p.stderr)
    st = gcs.stats()
    expect(st["resumable_done"] >= 1 and st["max_chunk"] == 1 << 20 and st["open_sessions"] == 0, st)
    expect(st["list_pages"] > 5 and st["ranged_gets"] > 0 and st["unauthorized"] == 0, st)

    # An upload of several chunks given up: the session is cancelled, nothing
    # is left; one committed is read back whole and by range.
    tool = [os.path.join(os.environ["CAIRN_BUILD_DIR"], "tests", "storage_tool"), "--plugin_dir", PLUGIN_DIR,
            "--config", ini]
    data = os.urandom(3 * 1048576 + 777)
    t = subprocess.run(tool + ["put", loc("scratch"), "t/abandoned", "--abort"], input=data, capture_output=True,
                       env=dict(os.environ, **ENV), timeout=120)
    expect(t.returncode == 0, t.stderr)
    st = gcs.stats()
    expect(st["sessions_cancelled"] == 1 and st["open_sessions"] == 0, st)
    t = subprocess.run(tool + ["stat", loc("scratch"), "t/abandoned"], capture_output=True,
                       env=dict(os.environ, **ENV), timeout=60)
    expect(t.returncode == 3, (t.returncode, t.stdout, t.stderr))
    t = subprocess.run(tool + ["put", loc("scratch"), "t/kept"], input=data, capture_output=True,
                       env=dict(os.environ, **ENV), timeout=120)
    expect(t.returncode == 0, t.stderr)
    expect(gcs.stats()["resumable_done"] == st["resumable_done"] + 1)
    for rng, want in ((None, data), ("1048570:20", data[1048570:1048590]), ("3145000:0", data[3145000:])):
        t = subprocess.run(tool + ["get", loc("scratch"), "t/kept"] + (["--range", rng] if rng else []),
                           capture_output=True, env=dict(os.environ, **ENV), timeout=120)
        expect(t.returncode == 0 and t.stdout == want, (rng, len(t.stdout), t.stderr))

    # 96 MiB through one writer and one reader: each holds a chunk or a
    # block, never the object (peak RSS of storage_tool well under its size).
    measure = ("import hashlib, resource, subprocess, sys\n"
               "mode, n = sys.argv[1], int(sys.argv[2])\n"
               "h = hashlib.sha256()\n"
               "if mode == 'put':\n"
               "    p = subprocess.Popen(sys.argv[3:], stdin=subprocess.PIPE)\n"
               "    block = bytes(range(256)) * 4096\n"
               "    for i in range(n):\n"
               "        b = bytes([i % 251]) + block[1:]\n"
               "        h.update(b)\n"
               "        p.stdin.write(b)\n"
               "    p.stdin.close()\n"
               "    rc = p.wait()\n"
               "else:\n"
               "    p = subprocess.Popen(sys.argv[3:], stdout=subprocess.PIPE)\n"
               "    for b in iter(lambda: p.stdout.read(1 << 20), b''):\n"
               "        h.update(b)\n"
               "    rc = p.wait()\n"
               "print(rc, h.hexdigest(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    res = {}
    for mode in ("put", "get"):
        m = subprocess.run([sys.executable, "-c", measure, mode, "96"] + tool + [mode, loc("scratch"), "t/big"],
                           capture_output=True, text=True, env=dict(os.environ, **ENV), timeout=300)
        rc, digest, rss_kib = m.stdout.split()
        expect(rc == "0", m.stderr)
        res[mode] = (digest, int(rss_kib))
    expect(res["put"][0] == res["get"][0], res)
    print("96 MiB through storage_tool, peak RSS KiB: put %d, get %d" % (res["put"][1], res["get"][1]))
    if not SANITIZE:  # ASan's shadow memory and quarantine are not the driver's
        expect(res["put"][1] < 48 * 1024 and res["get"][1] < 48 * 1024, res)
    t = subprocess.run(tool + ["rm", loc("scratch"), "t/big"], capture_output=True, env=dict(os.environ, **ENV),
                       timeout=60)
    expect(t.returncode == 0, t.stderr)

    # Every 4th storage request answered 503: retried with backoff, all pass.
    flaky = GcsStandIn(wd, [sa], ["scratch"], name="gcs-flaky", flaky=4, page_size=20)
    try:
        fsa = os.path.join(wd, "flaky-key.json")
        sa.write(flaky.token_uri)
        os.rename(sa.path, fsa)
        sa.write(gcs.token_uri)
        p = run(["storage-check", "gs://scratch/check?endpoint=" + flaky.addr, "--large_mb", "3", "--objects", "60",
                 "--config", ini] + PD, env={"GOOGLE_APPLICATION_CREDENTIALS": fsa}, timeout=600)
        expect(p.returncode == 0 and "11 passed, 0 failed, 0 skipped" in p.stdout, p.stdout + p.stderr)
        fst = flaky.stats()
        expect(fst["flaky_503"] > 20 and fst["chunks"] >= 3 and fst["open_sessions"] == 0, fst)
    finally:
        flaky.stop()

    # Backups to gs:// and back.
    zero = Zero(wd)
    alpha = Alpha(wd, zero, env=ENV)
    model = Model()
    uids = load_sample(alpha, model, n_people=400)
    dest = loc("cairn-backups", "prod/alpha")
    alpha.backup_ok(dest)
    alpha.mutate("{ delete { <0x%x> <age> * . } set { _:z <name> %s . } }" % (uids[7], lit("zed")))
    alpha.backup_ok(dest)
    b = lsbackup(dest, env=ENV)
    expect([x["type"] for x in b] == ["full", "incremental"], b)
    want = alpha.export(b[-1]["read_ts"])
    p = run(["verify", "-l", dest] + PD, env=ENV)
    expect(p.returncode == 0, p.stdout + p.stderr)
    out = restore(["-p", os.path.join(wd, "restored"), "-l", dest, "--force_zero=false"], env=ENV)
    expect(out.returncode == 0, out.stderr)
    z = Zero(wd, wal=os.path.join(wd, "zw-restored"))
    z.assign("timestamps", b[-1]["read_ts"])
    a = Alpha(wd, z, postings=os.path.join(wd, "restored", "p1"))
    expect(a.export() == want, "the restored export differs")
    a.stop()
    z.stop()
    alpha.stop()
    zero.stop()

    # A key Google does not know for this account: one clear error, no secret.
    other = ServiceAccount(os.path.join(wd), name="cairn-backup-other")
    other.email = sa.email
    other.write(gcs.token_uri)
    p = run(["lsbackup", "-l", dest] + PD, env={"GOOGLE_APPLICATION_CREDENTIALS": other.path})
    msg = one_error(p)
    expect("google refused the service-account key of " + sa.email in msg and "Invalid JWT Signature" in msg, msg)
    no_secrets(p.stdout + p.stderr)
    expect(gcs.stats()["token_refusals"] >= 1)

    # A read-only account may list but not write.
    p = run(["storage-check", loc("scratch", "ro")] + PD, env={"GOOGLE_APPLICATION_CREDENTIALS": ro.path})
    expect(p.returncode != 0 and "CAIRN_E_PERMISSION" in p.stdout and ro.email + " may not write" in p.stdout,
           p.stdout + p.stderr)

    # A missing bucket is named.
    p = run(["lsbackup", "-l", loc("no-such-bucket")] + PD, env=ENV)
    msg = one_error(p)
    expect("bucket no-such-bucket does not exist" in msg, msg)
    no_secrets(p.stdout + p.stderr)
    # A typo in the location's parameters is refused.
    p = run(["lsbackup", "-l", dest + "&endpiont=x"] + PD, env=ENV)
    msg = one_error(p)
    expect('unknown parameter "endpiont"' in msg, msg)
    # A server that accepts and never answers, as the token endpoint and as
    # the storage endpoint: each request ends at its deadline, is retried
    # max_retries times, and the command fails naming the server.
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(64)
    held = []

    def hold():
        while True:
            try:
                held.append(hung.accept()[0])
            except OSError:
                return
    threading.Thread(target=hold, daemon=True).start()
    haddr = "http://127.0.0.1:%d" % hung.getsockname()[1]
    hini = os.path.join(wd, "hung.ini")
    with open(hini, "w") as f:
        f.write("[gcs]\nrequest_timeout = 2\nmax_retries = 1\n")
    hk = ServiceAccount(wd, name="cairn-hung")
    hk.write(haddr + "/token")
    p = run(["lsbackup", "-l", dest, "--config", hini] + PD, env={"GOOGLE_APPLICATION_CREDENTIALS": hk.path},
            timeout=120)
    msg = one_error(p)
    expect("cannot get an oauth token from %s/token: no answer from 127.0.0.1:" % haddr in msg and
           "raise [gcs] request_timeout" in msg, msg)
    p = run(["lsbackup", "-l", "gs://cairn-backups?endpoint=" + haddr, "--config", hini] + PD, env=ENV, timeout=120)
    msg = one_error(p)
    expect("no answer from 127.0.0.1:%d" % hung.getsockname()[1] in msg, msg)
    no_secrets(p.stdout + p.stderr)
    hung.close()

    # No key at all: said so.
    p = run(["lsbackup", "-l", dest] + PD, env={"GOOGLE_APPLICATION_CREDENTIALS": ""})
    msg = one_error(p)
    expect("GOOGLE_APPLICATION_CREDENTIALS" in msg, msg)
finally:
    gcs.stop()
print("1 passed, 0 failed")
