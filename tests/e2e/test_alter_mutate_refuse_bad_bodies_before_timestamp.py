"""/alter and /mutate refuse hostile bodies with 400 before taking a commit
timestamp: a NUL in a name (raw or \\u0000), drop_attr and drop_all together,
a key twice, trailing text, a 256-byte name (the limit is 255); an empty
mutation; read_ts=2^64 on /export. The predicate a truncated name would have
hit is still there, and the next commit's timestamp follows the last one."""
import json

from cairnlib import Alpha, Zero, expect, http, workdir

wd = workdir("alter-mutate-bad-bodies")
zero = Zero(wd)
alpha = Alpha(wd, zero)


def commit_ts(r):
    return r["extensions"]["txn"]["commit_ts"]


def post(path, body, ctype):
    return http("POST", alpha.url + path, body, {"Content-Type": ctype})


ts0 = commit_ts(alpha.mutate('{ set { _:a <na> "kept" . _:a <name> "x" . } }'))

bad_alters = [
    (b'{"drop_attr": "na\\u0000me"}', "NUL"),
    (b'{"drop_attr": "na\x00me"}', "NUL"),
    (b'{"drop_attr": "x", "drop_all": true}', "more than one operation"),
    (b'{"drop_all": true, "drop_attr": "x"}', "more than one operation"),
    (b'{"drop_attr": "x", "drop_attr": "y"}', "more than one operation"),
    (b'{"drop_attr": "na"} garbage', "text after the JSON"),
    (b'{"drop_attr": "na"}{"drop_all": true}', "text after the JSON"),
    (b'{"drop_attr": "na", "colour": 1}', "unknown field"),
    (b'{"drop_all": false}', "mistyped"),
    (b'', "empty"),
    (json.dumps({"drop_attr": "p" * 256}).encode(), "the limit is 255 bytes"),
]
for body, want in bad_alters:
    st, out = post("/alter", body, "application/json")
    expect(st == 400, (body[:60], st, out))
    msg = json.loads(out)["errors"][0]["message"]
    expect(want in msg, (body[:60], want, msg))
    print("alter %r -> 400 %s" % (body[:50], msg))

for body in (b"", b"{ set { } }", b"{ }"):
    st, out = post("/mutate?commitNow=true", body, "application/rdf")
    expect(st == 400, (body, st, out))
    print("mutate %r -> 400 %s" % (body, json.loads(out)["errors"][0]["message"]))

for rts in ("18446744073709551616", "99999999999999999999999"):
    st, out = http("GET", alpha.url + "/export?format=rdf&read_ts=" + rts)
    expect(st == 400 and b"below 2^64" in out, (rts, st, out))
    print("export read_ts=%s -> 400" % rts)

# No timestamp was taken by any of them: the next commit is the one after ts0.
ts1 = commit_ts(alpha.mutate('{ set { _:b <name> "y" . } }'))
expect(ts1 == ts0 + 1, (ts0, ts1))
# "na" was not dropped by the NUL-truncated name; a 255-byte name is accepted.
expect('"kept"' in alpha.export(), alpha.export())
alpha.alter({"drop_attr": "p" * 255})
print("timestamps %d then %d: none taken by the refused requests" % (ts0, ts1))
