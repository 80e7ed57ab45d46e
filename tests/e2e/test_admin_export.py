"""The export mutation on a two-group cluster, to a local directory: one
folder per export holding export.json and one gzip file per group; each
file gunzipped is that group's /export at the manifest's read_ts byte for
byte, its size and sha256 are the manifest's; format json parses and holds
the same triples (uid edges, language tags, typed and escaped literals);
either alpha coordinates; a bad destination scheme, a bad format and a
destination that cannot be written each give one clear GraphQL error and
leave no manifest and no files; so does a group whose alpha is down, after
the other group's file was written (it is removed)."""
import gzip
import hashlib
import json
import os
import subprocess

from cairnlib import Alpha, Zero, expect, lit, workdir
from exportlib import export, export_ok, json_to_lines, loads, raw_export

wd = workdir("admin-export")
dest = os.path.join(wd, "exports")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
lease = zero.assign("uids", 300)
people = list(range(lease["startId"], lease["endId"] + 1))
a1.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <name> %s .\n<0x%x> <age> %s .\n<0x%x> <name> %s ." % (
        u, lit("P%d \"q\"\n\\ é" % u), u, lit(str(u % 70), typ="xs:int"), u, lit("Pé%d" % u, lang="fr"))
    for u in people))
a1.mutate("{ set { <0x%x> <flag> %s . <0x%x> <note> %s . } }" % (
    people[0], lit("true", typ="xs:boolean"), people[1], lit("007", typ="xs:int")))
a2.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <friend> <0x%x> .\n<0x%x> <friend> <0x%x> ." % (
        u, people[(i * 13) % len(people)], u, people[(i * 7 + 1) % len(people)])
    for i, u in enumerate(people)))
groups = zero.state()["groups"]
expect(sorted(groups["1"]["predicates"]) == ["age", "flag", "name", "note"] and
       groups["2"]["predicates"] == ["friend"], groups)


def check_folder(p, fmt):
    folder = p["exportedFiles"][0].split("/")[0]
    expect(folder.startswith("export.") and len(folder) == len("export.YYYYMMDD.HHMMSS.mmm"), p)
    names = sorted(os.listdir(os.path.join(dest, folder)))
    expect(names == ["export.json", "g01.%s.gz" % fmt, "g02.%s.gz" % fmt], names)
    expect(p["exportedFiles"] == [folder + "/" + n for n in ("g01.%s.gz" % fmt, "g02.%s.gz" % fmt, "export.json")], p)
    m = json.load(open(os.path.join(dest, folder, "export.json")))
    expect(m["kind"] == "export" and m["format"] == fmt and m["compression"] == "gzip" and
           m["encrypted"] is False and m["groups"] == [1, 2] and m["read_ts"] > 0, m)
    plain = {}
    for f in m["files"]:
        stored = open(os.path.join(dest, folder, f["path"]), "rb").read()
        expect(f["size"] == len(stored) and f["sha256"] == hashlib.sha256(stored).hexdigest(), f)
        plain[f["group"]] = gzip.decompress(stored)
        expect(f["path"] == "g%02d.%s.gz" % (f["group"], fmt), f)
    return m, plain


# RDF: each group's file is its /export at the manifest's read_ts, byte for byte.
p = export_ok(a1, dest)
expect(p["response"]["message"].startswith("Export completed: export."), p)
m, plain = check_folder(p, "rdf")
want = {1: raw_export(a1, m["read_ts"]), 2: raw_export(a2, m["read_ts"])}
expect(plain[1] == want[1] and plain[2] == want[2], "gunzipped files differ from /export")
expect(len(want[1]) > 10000 and want[2].count(b"\n") == 2 * len(people), len(want[2]))
for f in m["files"]:
    expect(f["records"] == want[f["group"]].count(b"\n"), f)

# A standard gzip -d reads the files.
gz = os.path.join(dest, p["exportedFiles"][0])
out = subprocess.run(["gzip", "-dc", gz], capture_output=True)
expect(out.returncode == 0 and out.stdout == want[1], out.returncode)

# JSON, coordinated by the other alpha: the same triples.
a1.mutate("{ set { <0x%x> <name> %s . } }" % (people[2], lit("later")))
p = export_ok(a2, dest, "json")
m, plain = check_folder(p, "json")
for g, alpha in ((1, a1), (2, a2)):
    data = loads(plain[g])
    lines = json_to_lines(data)
    rdf = sorted(raw_export(alpha, m["read_ts"]).decode().splitlines(keepends=True))
    # "007"^^<xs:int> is no JSON number: it stays the string it was written as.
    odd = '<0x%x> <note> %s .\n' % (people[1], lit("007", typ="xs:int"))
    if g == 1:
        expect(odd in rdf)
        rdf[rdf.index(odd)] = '<0x%x> <note> %s .\n' % (people[1], lit("007"))
        rdf.sort()
    expect(lines == rdf, (g, [x for x in lines if x not in rdf][:3], [x for x in rdf if x not in lines][:3]))
    expect(m["files"][g - 1]["records"] == len(rdf), m)
expect(any('"later"' in x for x in json_to_lines(loads(plain[1]))))
one = [o for o in loads(plain[1]) if o["uid"] == "0x%x" % people[0] and "flag" in o]
expect(one == [{"uid": "0x%x" % people[0], "flag": True}], one)
friends = [o for o in loads(plain[2]) if o["uid"] == "0x%x" % people[3]]
expect(len(friends) == 1 and isinstance(friends[0]["friend"], list) and len(friends[0]["friend"]) == 2, friends)

# Errors: one clear GraphQL error each, no manifest, no files left.
before = sorted(os.listdir(dest))
cases = [
    ({"destination": "ftp://127.0.0.1/x"}, "no storage plugin handles scheme \"ftp\""),
    ({"destination": dest, "format": "csv"}, "export format \"csv\" is not supported"),
    ({"destination": "/proc/cairn-no-such/exports"}, None),
]
for inp, msg in cases:
    out = export(a1, inp["destination"], inp.get("format"))
    expect(out.get("data", {}).get("export") is None and len(out.get("errors", [])) == 1, out)
    e = out["errors"][0]["message"]
    expect(msg is None or msg in e, (msg, e))
    expect(e[0].islower() and len(e) < 600, e)
    print("error:", e)
# A group whose alpha is down fails the export after this group's file
# is written: that file is removed too.
a2.stop()
out = export(a1, dest)
e = out["errors"][0]["message"]
expect(out["data"]["export"] is None and "cannot reach any alpha of group 2" in e, out)
print("error:", e)
expect(sorted(os.listdir(dest)) == before, os.listdir(dest))  # storage-nfs drops the emptied folder
for folder in before:
    expect("export.json" in os.listdir(os.path.join(dest, folder)), folder)
print("ok")
