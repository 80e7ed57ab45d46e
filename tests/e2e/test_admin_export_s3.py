"""The export mutation to S3 (a real radosgw): minio:// and s3:// with the
credentials in the mutation (sealed under the cluster secret on their way to
the other group's alpha); awscli lists the folder and reads export.json
and each group's file, whose gunzipped bytes are that group's /export at
the manifest's read_ts; a missing bucket and bad credentials each give one
clear GraphQL error without the secret in it and leave no manifest."""
import gzip
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
from radosgw import Radosgw  # noqa: E402

from cairnlib import Alpha, Zero, cluster_secret, expect, lit, note_secret, workdir  # noqa: E402
from exportlib import export, export_ok, json_to_lines, loads, raw_export  # noqa: E402

wd = workdir("admin-export-s3")
gw = Radosgw()
gw.start()
try:
    note_secret(gw.secret_key)
    gw.mb("exports")
    # With a cluster secret: the credentials go to group 2's alpha sealed.
    secret = cluster_secret(wd)
    zero = Zero(wd, secret=secret)
    a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), secret=secret)
    a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), secret=secret)
    lease = zero.assign("uids", 200)
    people = list(range(lease["startId"], lease["endId"] + 1))
    a1.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <name> %s ." % (u, lit("P%d" % u)) for u in people))
    a2.mutate("{ set {\n%s\n} }" % "\n".join("<0x%x> <friend> <0x%x> ." % (u, people[-1 - i])
                                                for i, u in enumerate(people)))
    creds = {"accessKey": gw.access_key, "secretKey": gw.secret_key}

    for fmt, loc, prefix in (("rdf", "minio://%s/exports/c1?secure=false" % gw.http, "c1/"),
                             ("json", "s3://%s/exports/deep/c2?secure=false" % gw.http, "deep/c2/")):
        p = export_ok(a1, loc, fmt, **creds)
        folder = p["exportedFiles"][0].split("/")[0]
        keys = gw.keys("exports", prefix)
        expect(sorted(keys) == sorted(prefix + f for f in p["exportedFiles"]), (keys, p))
        m = json.loads(gw.cat("exports", prefix + folder + "/export.json"))
        expect(m["format"] == fmt and m["groups"] == [1, 2], m)
        for f in m["files"]:
            body = gw.cat("exports", "%s%s/%s" % (prefix, folder, f["path"]))
            expect(len(body) == f["size"] == keys[prefix + folder + "/" + f["path"]], f)
            expect(hashlib.sha256(body).hexdigest() == f["sha256"], f)
            alpha = a1 if f["group"] == 1 else a2
            want = raw_export(alpha, m["read_ts"])
            if fmt == "rdf":
                expect(gzip.decompress(body) == want, f)
            else:
                expect(json_to_lines(loads(gzip.decompress(body))) ==
                       sorted(want.decode().splitlines(keepends=True)), f)

    # A missing bucket, bad credentials: one error each, no secret, no manifest.
    before = gw.keys("exports")
    bad = [("minio://%s/no-such-bucket/x?secure=false" % gw.http, creds, "no-such-bucket"),
           ("minio://%s/exports/bad?secure=false" % gw.http,
            {"accessKey": gw.access_key, "secretKey": "wrong-" + gw.secret_key}, None)]
    note_secret("wrong-" + gw.secret_key)
    for loc, c, word in bad:
        out = export(a1, loc, **c)
        expect(out.get("data", {}).get("export") is None and len(out.get("errors", [])) == 1, out)
        e = out["errors"][0]["message"]
        expect(gw.secret_key not in e and (word is None or word in e), e)
        print("error:", e)
    expect(gw.keys("exports") == before, gw.keys("exports"))
    expect(gw.keys("exports", "bad/") == {}, "files left by a failed export")
finally:
    gw.stop()
print("ok")
