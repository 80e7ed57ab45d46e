"""Licenses at zero: `cairn license` signs one with a throw-away Ed25519 key;
zero started with --license_public_key accepts it by POST /enterpriseLicense
and by --enterprise_license, shows user, expiry and maxNodes in /state, and
keeps it across a restart. Expired, tampered, wrongly-signed and malformed
licenses are refused with the reason and the license in force stays. Zero
with its built-in key refuses a license a throw-away key signed. max_nodes
limits the members zero admits."""
import base64
import datetime
import json
import os
import subprocess
import time

from cairnlib import CAIRN, Alpha, Zero, expect, http, license_keys, run, sign_license, workdir

wd = workdir("license")
key, pub = license_keys(wd, "vendor")
other_key, other_pub = license_keys(wd, "other")
counted = 0


def rfc3339(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def post(zero, body):
    return http("POST", "http://%s/enterpriseLicense" % zero.addr, body)


def refused(zero, body, reason, before):
    """POST body is refused with reason (one line), and /state's license is unchanged."""
    global counted
    st, out = post(zero, body)
    msg = json.loads(out)["errors"][0]["message"]
    expect(st == 400 and reason in msg and "\n" not in msg, (st, msg))
    expect(zero.state()["license"] == before, (zero.state()["license"], before))
    counted += 1
    print("refused (%s): %s" % (reason, msg))


# `cairn license`: signs to a file or standard output; clear errors.
lic = sign_license(wd, key, "Acme Corp", "2099-01-31", max_nodes=5)
doc = json.load(open(lic))
payload = json.loads(base64.b64decode(doc["payload"]))
expect(payload["user"] == "Acme Corp" and payload["max_nodes"] == 5 and payload["expiry"] == "2099-01-31T23:59:59Z", payload)
p = run(["license", "--key", key, "--user", "x", "--expiry", "2099-01-01T00:00:00+02:00"])
expect(p.returncode == 0 and json.loads(base64.b64decode(json.loads(p.stdout)["payload"]))["expiry"] == "2098-12-31T22:00:00Z", p.stdout)
for args, want in [(["--key", os.path.join(wd, "missing.key"), "--user", "x", "--expiry", "2099-01-01"], "cannot open the private key file"),
                   (["--key", pub, "--user", "x", "--expiry", "2099-01-01"], "not a PEM private key"),
                   (["--key", key, "--user", "x", "--expiry", "2099-02-30"], "is not a date"),
                   (["--key", key, "--user", "x", "--expiry", "2001-01-01"], "in the past"),
                   (["--key", key, "--user", "x"], "needs --key FILE, --user U and --expiry DATE")]:
    p = run(["license"] + args)
    expect(p.returncode != 0 and want in p.stderr, (args, p.stderr))
    counted += 1
p = run(["license", "--help"])
expect(p.returncode == 0 and "--max_nodes" in p.stdout and "--expiry" in p.stdout, p.stdout)

# Zero with the test's public key: the trial, then the license by POST.
zero = Zero(wd, extra=["--license_public_key", pub])
trial = zero.state()["license"]
expect(trial["trial"] is True and trial["enabled"] is True and trial["maxNodes"] == 0, trial)
st, out = post(zero, open(lic).read())
expect(st == 200, out)
applied = zero.state()["license"]
expect(applied == {"enabled": True, "expiry": "2099-01-31T23:59:59Z", "trial": False, "user": "Acme Corp", "maxNodes": 5}, applied)

# Refused, each with its reason; the license in force stays.
short = sign_license(wd, key, "Shortly", rfc3339(2), name="short")
time.sleep(3)
refused(zero, open(short).read(), "expired on", applied)
tampered = dict(doc)
tampered["payload"] = base64.b64encode(json.dumps(dict(payload, max_nodes=500)).encode()).decode()
refused(zero, json.dumps(tampered), "altered after signing", applied)
foreign = sign_license(wd, other_key, "Mallory", "2099-01-01", name="foreign")
refused(zero, open(foreign).read(), "signed with another key", applied)
refused(zero, "{\"user\": \"acme\", \"expiry\": \"2099-01-01T00:00:00Z\"}", "not a signed cairn license", applied)
refused(zero, "not json at all", "not a signed cairn license", applied)
refused(zero, json.dumps(dict(doc, payload="***")), "payload is not base64", applied)
refused(zero, json.dumps(dict(doc, signature="AAAA")), "not a base64 Ed25519 signature", applied)
refused(zero, open(lic).read() + " " * 20000, "more than a license can be", applied)

# Persisted and verified again when zero restarts.
zero.stop()
zero = Zero(wd, wal=zero.wal, extra=["--license_public_key", pub])
expect(zero.state()["license"] == applied, zero.state()["license"])
zero.stop()

# --enterprise_license at start: a good one replaces it; a bad one stops zero
# with the reason.
lic2 = sign_license(wd, key, "Beta Inc", "2098-06-30T12:00:00Z", max_nodes=0)
zero = Zero(wd, wal=zero.wal, extra=["--license_public_key", pub, "--enterprise_license", lic2])
expect(zero.state()["license"] == {"enabled": True, "expiry": "2098-06-30T12:00:00Z", "trial": False, "user": "Beta Inc", "maxNodes": 0},
       zero.state()["license"])
zero.stop()
for extra, want in [(["--license_public_key", pub, "--enterprise_license", foreign], "signed with another key"),
                    (["--license_public_key", pub, "--enterprise_license", short], "expired on"),
                    (["--license_public_key", key], "not a PEM public key"),
                    (["--license_public_key", os.path.join(wd, "missing.pub")], "cannot open the public key file")]:
    p = subprocess.run([CAIRN, "zero", "--http", "127.0.0.1:1", "-w", zero.wal] + extra, capture_output=True, text=True, timeout=30)
    expect(p.returncode != 0 and want in p.stderr, (extra, p.returncode, p.stderr))
    counted += 1
zero = Zero(wd, wal=zero.wal, extra=["--license_public_key", pub])
expect(zero.state()["license"]["user"] == "Beta Inc", zero.state()["license"])
zero.stop()

# The built-in (vendor's) key: a license this test signed is refused, and the
# one persisted by the other key is not applied after a restart.
zero = Zero(wd, wal=zero.wal)
expect(zero.state()["license"]["trial"] is True, zero.state()["license"])
expect("not applied" in zero.proc.output(), zero.proc.output())
refused(zero, open(lic).read(), "signed with another key", zero.state()["license"])
zero.stop()

# max_nodes: a license for one node admits one alpha; a second is refused,
# the first may rejoin, and a license for fewer nodes than members is refused.
zero = Zero(wd, wal=os.path.join(wd, "zw-nodes"), extra=["--license_public_key", pub])
one = sign_license(wd, key, "Small", "2099-01-01", max_nodes=1, name="one")
st, out = post(zero, open(one).read())
expect(st == 200, out)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p1"))
p = subprocess.run([CAIRN, "alpha", "--http", "127.0.0.1:0", "-p", os.path.join(wd, "p2"), "-z", zero.addr],
                   capture_output=True, text=True, timeout=60)
expect(p.returncode != 0 and "allows 1 node(s)" in p.stderr and "/removeNode" in p.stderr, (p.returncode, p.stderr))
counted += 1
a1.stop()
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p1"))
expect(len(zero.state()["groups"]) == 1, zero.state()["groups"])
two = sign_license(wd, key, "Pair", "2099-01-01", max_nodes=2, name="two")
st, out = post(zero, open(two).read())
expect(st == 200, out)
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p2"))
refused(zero, open(one).read(), "the cluster has 2 members", zero.state()["license"])
a1.stop()
a2.stop()
zero.stop()
print("%d refusals checked; 1 passed, 0 failed" % counted)
