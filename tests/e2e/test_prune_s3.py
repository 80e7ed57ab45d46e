"""cairn prune on a real S3 server (Ceph radosgw, started here) through
s3://: three series; --dry_run deletes no key; --keep_series 1 deletes every
key of the two older series (S3 DeleteObject through the plugin's remove)
and no other, a folder without manifest (a backup in progress) keeps its
key, and the kept series restores equal to the original export. Then
--anonymous: lsbackup and verify read a public-read bucket with no
credentials at all."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
from radosgw import Radosgw, clean_env  # noqa: E402

from cairnlib import (expect, Alpha, Model, Zero, lit, load_sample, lsbackup, note_secret, restore,  # noqa: E402
                      run, workdir, PLUGIN_DIR)

wd = workdir("prune-s3")
gw = Radosgw()
gw.start()
try:
    note_secret(gw.secret_key)
    for b in ("prune-bk", "public-bk"):
        gw.mb(b)
    creds = gw.creds("s3")
    zero = Zero(wd)
    alpha = Alpha(wd, zero, env=creds)
    model = Model()
    uids = load_sample(alpha, model, n_people=200)
    loc = "s3://%s/prune-bk/c1?secure=false" % gw.http
    step = [0]

    def change():
        step[0] += 1
        alpha.mutate("{ set { <0x%x> <name> %s . } }" % (uids[step[0]], lit("s%d" % step[0])))

    for n in (1, 2, 2):
        for k in range(n):
            change()
            alpha.backup_ok(loc, force_full=(k == 0))
    b = lsbackup(loc, env=creds)
    ids = []
    for x in b:
        if x["backup_id"] not in ids:
            ids.append(x["backup_id"])
    expect(len(ids) == 3 and len(b) == 5, b)
    want = alpha.export(b[-1]["read_ts"])
    inprog = "c1/cairn.29991231.235959.000/backup.started"
    started = os.path.join(wd, "backup.started")
    open(started, "wb").write(b"running")
    gw.aws("s3api", "put-object", "--bucket", "prune-bk", "--key", inprog, "--body", started)

    def prune(args):
        return run(["prune", "-l", loc, "--plugin_dir", PLUGIN_DIR] + args, env=creds)

    before = gw.keys("prune-bk")
    p = prune(["--keep_series", "1", "--dry_run"])
    expect(p.returncode == 0 and p.stdout.count("would remove") == 2, (p.stdout, p.stderr))
    expect(gw.keys("prune-bk") == before, "a dry run deleted keys")

    p = prune(["--keep_series", "1"])
    expect(p.returncode == 0, p.stderr)
    expect(sum(1 for l in p.stdout.splitlines() if l.startswith("removed")) == 2, p.stdout)
    gone = [x["path"] for x in b if x["backup_id"] in ids[:2]]
    after = gw.keys("prune-bk")
    expect(sorted(after) == sorted(k for k in before if k.split("/")[1] not in gone), (before, after))
    expect(inprog in after, after)
    expect([x["backup_id"] for x in lsbackup(loc, env=creds)] == [ids[2]] * 2)

    out = restore(["-p", os.path.join(wd, "r"), "-l", loc, "--force_zero=false"], env=creds)
    expect(out.returncode == 0, out.stderr)
    z = Zero(wd, wal=os.path.join(wd, "zw-r"))
    z.assign("timestamps", b[-1]["read_ts"])
    a = Alpha(wd, z, postings=os.path.join(wd, "r", "p1"))
    expect(a.export() == want, "the kept series restored differently after prune")
    a.stop()
    z.stop()

    # --anonymous on a public-read bucket, with no credentials anywhere.
    pub = "s3://%s/public-bk?secure=false" % gw.http
    alpha.backup_ok(pub, force_full=True)
    gw.aws("s3api", "put-bucket-acl", "--bucket", "public-bk", "--acl", "public-read")
    for k in gw.keys("public-bk"):
        gw.aws("s3api", "put-object-acl", "--bucket", "public-bk", "--key", k, "--acl", "public-read")
    nocreds = clean_env()
    for cmd in ("lsbackup", "verify"):
        p = run([cmd, "-l", pub, "--anonymous", "--plugin_dir", PLUGIN_DIR], env=nocreds)
        expect(p.returncode == 0, (cmd, p.stderr))
    p = run(["lsbackup", "-l", pub, "--plugin_dir", PLUGIN_DIR], env=nocreds)
    expect(p.returncode == 1 and "anonymous" in p.stderr, p.stderr)
    print("ok")
finally:
    gw.stop()
