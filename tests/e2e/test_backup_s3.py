"""Backups to a real S3 server (Ceph radosgw, started here) through minio://
and s3://, over plain HTTP and HTTPS with a private CA: full + incremental,
restore from the bucket, exports equal; awscli lists and reads what cairn
wrote, and a backup folder copied into a bucket with `aws s3 cp --recursive`
restores; a backup larger than three parts goes up as a multipart upload
with the alpha's memory bounded (reported); wrong secret, missing bucket,
anonymous on a private bucket and an unknown host each give a clear error,
write no manifest and leave no multipart upload behind."""
import base64
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
from radosgw import Radosgw  # noqa: E402

from cairnlib import (expect, Alpha, Model, Zero, lit, load_sample, lsbackup, note_secret, restore,  # noqa: E402
                      run, workdir, PLUGIN_DIR)

wd = workdir("backup-s3")
gw = Radosgw()
gw.start()
try:
    note_secret(gw.secret_key)
    for b in ("minio-bk", "s3-bk", "copied", "big", "private"):
        gw.mb(b)
    ini = os.path.join(wd, "cairn.ini")
    open(ini, "w").write("[s3]\nca_file = %s\n[minio]\nca_file = %s\n" % (gw.ca_file, gw.ca_file))
    creds = dict(gw.creds("minio"), **gw.creds("s3"))
    zero = Zero(wd)
    postings = os.path.join(wd, "p")
    alpha = Alpha(wd, zero, postings=postings, extra=["--config", ini], env=creds)
    model = Model()
    uids = load_sample(alpha, model, n_people=1500)

    def change(i):
        alpha.mutate("{ delete { <0x%x> <name> * . } set { <0x%x> <name> %s . } }" % (uids[i], uids[i], lit("v%d" % i)))

    targets = [
        ("minio-http", "minio://%s/minio-bk/cluster1?secure=false" % gw.http, {}),
        ("minio-https", "minio://%s/minio-bk/cluster2" % gw.https, {"AWS_CA_BUNDLE": gw.ca_file}),
        ("s3-http", "s3://%s/s3-bk?secure=false" % gw.http, {}),
        ("s3-https", "s3://%s/s3-bk/deep/prefix" % gw.https, {"AWS_CA_BUNDLE": gw.ca_file}),
    ]
    for i, (name, loc, extra_env) in enumerate(targets):
        alpha.backup_ok(loc)
        change(i)
        alpha.alter({"drop_attr": "bio"}) if i == 0 else None
        alpha.backup_ok(loc)
        env = dict(creds, **extra_env)
        b = lsbackup(loc, env=env)
        expect([x["type"] for x in b] == ["full", "incremental"], (name, b))
        want = alpha.export(b[-1]["read_ts"])
        out = restore(["-p", os.path.join(wd, "r-" + name), "-l", loc, "--force_zero=false"], env=env)
        expect(out.returncode == 0, (name, out.stderr))
        z = Zero(wd, wal=os.path.join(wd, "zw-" + name))
        z.assign("timestamps", b[-1]["read_ts"])
        a = Alpha(wd, z, postings=os.path.join(wd, "r-" + name, "p1"))
        expect(a.export() == want, name)
        a.stop()
        z.stop()
        v = run(["verify", "-l", loc, "--plugin_dir", PLUGIN_DIR], env=env)
        expect(v.returncode == 0, (name, v.stderr))

    # awscli sees exactly what cairn wrote, and reads it.
    keys = gw.keys("minio-bk", "cluster1/")
    manifests = sorted(k for k in keys if k.endswith("/manifest.json"))
    objects = sorted(k for k in keys if k.endswith(".backup"))
    expect(len(manifests) == 2 and len(objects) == 2, keys)
    b = lsbackup(targets[0][1], env=creds)
    expect([m.split("/")[1] for m in manifests] == [x["path"] for x in b])
    body = gw.cat("minio-bk", objects[0])
    gz = subprocess.run(["gzip", "-dc"], input=body, capture_output=True)
    expect(gz.returncode == 0 and gz.stdout.startswith(b"CAIRNREC"))

    # A local backup copied into a bucket by awscli restores from the bucket.
    local = os.path.join(wd, "local-bk")
    alpha.backup_ok(local, force_full=True)
    change(10)
    alpha.backup_ok(local)
    gw.aws("s3", "cp", "--recursive", "--only-show-errors", local, "s3://copied/from-nfs")
    b = lsbackup(local)
    want = alpha.export(b[-1]["read_ts"])
    out = restore(["-p", os.path.join(wd, "r-copied"), "-l", "s3://%s/copied/from-nfs?secure=false" % gw.http,
                   "--force_zero=false"], env=creds)
    expect(out.returncode == 0, out.stderr)
    z = Zero(wd, wal=os.path.join(wd, "zw-copied"))
    z.assign("timestamps", b[-1]["read_ts"])
    a = Alpha(wd, z, postings=os.path.join(wd, "r-copied", "p1"))
    expect(a.export() == want)
    a.stop()
    z.stop()

    # Errors: one GraphQL error each, no manifest, no multipart upload left.
    def backup_error(loc, want, **creds_override):
        out = alpha.backup(loc, **creds_override)
        expect("errors" in out, out)
        msg = out["errors"][0]["message"]
        expect(want in msg, (want, msg))
        expect(gw.secret_key not in msg)
        return msg

    wrong = "wrong" + gw.secret_key[5:]
    note_secret(wrong)
    msg = backup_error("minio://%s/minio-bk/x?secure=false" % gw.http, "the secret key is wrong for access key",
                       accessKey=gw.access_key, secretKey=wrong)
    expect(wrong not in msg)
    backup_error("minio://%s/no-such-bucket?secure=false" % gw.http, "does not exist")
    backup_error("minio://%s/private/x?secure=false" % gw.http, "ccess", anonymous=True)
    backup_error("s3://no-such-host.invalid/bucket", "no-such-host.invalid")
    backup_error("s3://%s/s3-bk" % gw.http, "")  # https spoken to an http port
    for bucket in ("minio-bk", "s3-bk", "private"):
        expect(gw.uploads(bucket) == [], bucket)
    expect(not [k for k in gw.keys("minio-bk") if k.startswith("x/")])
    expect(gw.keys("private") == {})
    alpha.stop()

    # A backup of more than three parts: 64 MiB of incompressible values, in
    # a cluster of its own.
    zero.stop()
    zero = Zero(wd, wal=os.path.join(wd, "zw-big"))
    big_p = os.path.join(wd, "pbig")
    loader = Alpha(wd, zero, postings=big_p, env=creds)
    lease = zero.assign("uids", 64)
    for k in range(8):
        lines = []
        for j in range(8):
            val = base64.b64encode(os.urandom(768 * 1024)).decode()  # 1 MiB of text
            lines.append("<0x%x> <blob> %s ." % (lease["startId"] + k * 8 + j, lit(val)))
        loader.mutate("{ set {\n%s\n} }" % "\n".join(lines))
    loader.stop()
    big = Alpha(wd, zero, postings=big_p, env=creds)  # a fresh process: its peak is the backup's
    peak = {"anon": 0, "hwm": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                for line in open("/proc/%d/status" % big.proc.p.pid):
                    if line.startswith("RssAnon:"):
                        peak["anon"] = max(peak["anon"], int(line.split()[1]))
                    if line.startswith("VmHWM:"):
                        peak["hwm"] = max(peak["hwm"], int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    started = time.time()
    try:
        big.backup_ok("minio://%s/big/set?secure=false" % gw.http)
    finally:
        done.set()
        t.join()
    secs = time.time() - started
    objs = {k: s for k, s in gw.keys("big").items() if k.endswith(".backup")}
    (key, size), = objs.items()
    etag = gw.head("big", key)["ETag"].strip('"')
    expect("-" in etag and int(etag.rsplit("-", 1)[1]) > 3, (etag, size))
    print("big backup: %.1f MiB object in %s parts, %.2f s; alpha peak RssAnon %.1f MiB, VmHWM %.1f MiB"
          % (size / 2**20, etag.rsplit("-", 1)[1], secs, peak["anon"] / 1024, peak["hwm"] / 1024))
    expect(size > 48 * 2**20, size)
    expect(peak["anon"] < 160 * 1024, "alpha anonymous memory peaked at %d KiB during a 64 MiB backup" % peak["anon"])
    expect(gw.uploads("big") == [])
    big.stop()
    zero.stop()
finally:
    gw.stop()
print("1 passed, 0 failed")
