"""cairn storage-check against a real S3 server (Ceph radosgw, started
here): storage-minio and storage-s3 pass every check, over plain HTTP with
credentials from the environment, and leave no object behind. The listing
check writes 1,200 objects, so S3's 1,000-key pages are crossed; the large
object (24 MiB) goes up as a multipart upload of several parts."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
from radosgw import Radosgw, clean_env  # noqa: E402

from cairnlib import PLUGIN_DIR, expect, note_secret, run  # noqa: E402

CHECKS = {"write-read", "abort", "uncommitted", "large-stream", "list-many", "ranged-read",
          "missing", "overwrite", "concurrent", "remove", "cleanup"}

gw = Radosgw()
gw.start()
try:
    note_secret(gw.secret_key)
    gw.mb("check")
    for scheme, loc in (("minio", "minio://%s/check/minio-prefix?secure=false" % gw.http),
                        ("s3", "s3://%s/check/deep/s3-prefix?secure=false" % gw.http)):
        env = clean_env(**gw.creds(scheme))
        p = run(["storage-check", loc, "--plugin_dir", PLUGIN_DIR, "--large_mb", "24"], env=env,
                timeout=900)
        print(p.stdout)
        res = {}
        for line in p.stdout.splitlines():
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[0] in ("PASS", "FAIL", "SKIP"):
                res[parts[1]] = parts[0]
        expect(p.returncode == 0, (scheme, p.stdout, p.stderr))
        expect(set(res) == CHECKS and set(res.values()) == {"PASS"}, (scheme, p.stdout))
        expect("with storage-%s " % scheme in p.stdout, p.stdout)
    left = gw.keys("check")
    expect(left == {}, left)
    expect(gw.uploads("check") == [], gw.uploads("check"))
finally:
    gw.stop()
print("1 passed, 0 failed")
