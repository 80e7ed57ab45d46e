"""Every bad backup request gets one clear GraphQL error and writes no
manifest: malformed GraphQL, unknown fields, wrong types, bad locations,
unknown schemes, unwritable destinations, an expired trial, the auth token
(a second backup while one runs waits behind it and succeeds). Malformed
N-Quads get a 400 with line and column and apply nothing."""
import json
import os
import threading
import time

from cairnlib import Alpha, Model, Zero, http, license_keys, lit, load_sample, lsbackup, note_secret, sign_license, workdir, expect

wd = workdir("backup-errors")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero, env={"CAIRN_FAULT_BACKUP_PAUSE_MS": "3000"})
model = Model()
load_sample(alpha, model, n_people=100)


def gql_error(query, variables=None, want=""):
    st, out = alpha.admin(query, variables)
    expect(st in (200, 400), (st, out))
    expect("errors" in out and out["errors"], out)
    msg = out["errors"][0]["message"]
    expect(want in msg, (want, msg))
    return msg


B = "mutation($in: BackupInput!) { backup(input: $in) { response { message code } } }"
st, out = alpha.admin("mutation { backup(input: {destination: \"/x\"} { response { code } } }")
expect(out["errors"][0]["locations"] == [{"line": 1, "column": 46}], out)
gql_error("mutation { backup(input: {destination: \"/x\", color: \"red\"}) { response { code } } }", want="color")
gql_error("mutation { backup(input: {destination: \"/x\", forceFull: \"yes\"}) { response { code } } }", want="forceFull")
gql_error("mutation { backup(input: {}) { response { code } } }", want="destination")
gql_error("mutation { backup(input: {destination: \"/x\"}) { response { colour } } }", want="colour")
gql_error(B, {"in": {"destination": "relative/path"}}, want="absolute path")
msg = gql_error(B, {"in": {"destination": "ftp://host/x"}}, want='no storage plugin handles scheme "ftp" (have: ')
expect(all(s in msg.split("(have: ")[1] for s in ("azure", "file", "gs", "minio", "s3")), msg)
gql_error(B, {"in": {"destination": "minio://host:99999/b"}}, want="port must be a number")
blocker = os.path.join(wd, "a-file")
open(blocker, "w").write("x")
gql_error(B, {"in": {"destination": blocker + "/sub"}}, want="not a directory")
secret = "wJalrXUtnFEMI-very-secret"
note_secret(secret)
note_secret("tok-123456")
msg = gql_error("mutation { backup(input: {destination: \"/x\", secretKey: 42}) { response { code } } }", want="secretKey")
st, out = alpha.admin("mutation { backup(input: {destination: \"minio://127.0.0.1:1/b?secure=false\", accessKey: \"AK\", secretKey: \"%s\"}) { response { code } } }" % secret)
expect("errors" in out and secret not in json.dumps(out), out)

# Not JSON at all.
st, body = http("POST", alpha.url + "/admin", "{not json", {"Content-Type": "application/json"})
expect(st == 400 and b"errors" in body, (st, body))

# A second backup while one runs on this alpha waits behind it in the
# alpha's task queue, then runs (another alpha's is refused by zero's lock:
# e2e_backup_multigroup).
res = {}
t = threading.Thread(target=lambda: res.setdefault("first", alpha.backup(dest)))
t.start()
time.sleep(0.5)
t2 = threading.Thread(target=lambda: res.setdefault("second", alpha.backup(dest)))
t2.start()
# Writers are not blocked by a running backup, nor reflected in it.
started = time.time()
during = alpha.mutate('{ set { _:w <name> "written during the backup" . } }')
expect(time.time() - started < 1.0 and t.is_alive(), "a mutation waited for the backup")
t.join()
t2.join()
expect("errors" not in res["first"] and "errors" not in res["second"], res)
b = lsbackup(dest)
expect(len(b) == 2)
expect(b[0]["read_ts"] < during["extensions"]["txn"]["commit_ts"], (b, during))

# No manifest from any failure above.
expect(not os.path.exists("/x"))

# Malformed N-Quads: 400 with line and column, nothing applied.
before = alpha.export()
st, body = http("POST", alpha.url + "/mutate?commitNow=true",
                '{ set {\n<0x1> <name> "ok" .\n<0x1> <name> "unterminated .\n} }', {"Content-Type": "application/rdf"})
expect(st == 400 and b"line 3 column" in body, (st, body))
st, body = http("POST", alpha.url + "/mutate?commitNow=true", '{ set { <0x1> <name> * . } }')
expect(st == 400, body)
expect(alpha.export() == before)

# Auth token on /admin.
alpha.stop()
alpha = Alpha(wd, zero, extra=["--auth_token", "tok-123456"])
st, out = http("POST", alpha.url + "/admin", json.dumps({"query": B, "variables": {"in": {"destination": dest}}}),
               {"Content-Type": "application/json"})
out = json.loads(out)
expect(st == 401 and "X-Cairn-AuthToken" in out["errors"][0]["message"], out)
st, out = alpha.admin(B, {"in": {"destination": dest}}, headers={"X-Cairn-AuthToken": "tok-123456"})
expect(st == 200 and "errors" not in out, out)
alpha.stop()

# An expired trial: zero refuses to license backups.
zero.stop()
state = os.path.join(zero.wal, "state.json")
s = json.load(open(state))
s["trial_start"] = int(time.time()) - 31 * 86400
json.dump(s, open(state, "w"))
key, pub = license_keys(wd)
zero = Zero(wd, wal=zero.wal, extra=["--license_public_key", pub])
alpha = Alpha(wd, zero)
n = len(lsbackup(dest))
out = alpha.backup(dest)
expect("enterprise license" in out["errors"][0]["message"] and "30-day trial" in out["errors"][0]["message"], out)
# An unsigned license (what older cairns took) is refused; a signed one applies.
st, body = http("POST", "http://%s/enterpriseLicense" % zero.addr, json.dumps({"user": "acme", "expiry": "2099-01-01T00:00:00Z"}))
expect(st == 400 and b"not a signed cairn license" in body, body)
st, body = http("POST", "http://%s/enterpriseLicense" % zero.addr, open(sign_license(wd, key, "acme", "2099-01-01")).read())
expect(st == 200, body)
expect(zero.state()["license"]["enabled"] is True)
alpha.backup_ok(dest)
expect(len(lsbackup(dest)) == n + 1)
alpha.stop()
zero.stop()
print("1 passed, 0 failed")
