"""Backups stop when the license or the trial ends, without a restart: a
license expiring seconds from now lets a backup through, then (same
processes) the next backup fails with how to apply a license and writes
nothing, while restore, lsbackup and verify of the earlier backup work. A
direct POST to an alpha's /internal/backup is refused too, and refused when
zero cannot be asked. An expired trial refuses backups; a license applied
by POST lets them run again, still without a restart."""
import datetime
import json
import os
import time

from cairnlib import (PLUGIN_DIR, Alpha, Model, Zero, expect, http, license_keys, load_sample, lsbackup, restore, run,
                      sign_license, workdir)

wd = workdir("license-expiry")
dest = os.path.join(wd, "backups")
key, pub = license_keys(wd)
HOWTO = ("cairn license", "POST /enterpriseLicense", "--enterprise_license", "restore, lsbackup and verify keep working")


def files(d):
    return sorted(os.path.join(r, f) for r, _, fs in os.walk(d) for f in fs)


def refused_backup(alpha, why):
    before = files(dest)
    out = alpha.backup(dest)
    msg = out["errors"][0]["message"]
    expect("backups need an enterprise license" in msg and why in msg, msg)
    for h in HOWTO:
        expect(h in msg, (h, msg))
    expect(files(dest) == before, "a refused backup wrote %s" % (set(files(dest)) - set(before)))
    print("backup refused: %s" % msg)


def internal_backup(alpha, read_ts):
    body = {"destination": dest, "dir": "cairn.20990101.000000.000", "full": True, "since": 0, "read_ts": read_ts}
    st, out = http("POST", alpha.url + "/internal/backup", json.dumps(body), {"Content-Type": "application/json"})
    expect(not os.path.exists(os.path.join(dest, "cairn.20990101.000000.000")), "the refused group backup wrote its folder")
    return st, json.loads(out)["errors"][0]["message"]


zero = Zero(wd, extra=["--license_public_key", pub])
alpha = Alpha(wd, zero)
model = Model()
load_sample(alpha, model, n_people=100)

# A license that ends 8 s from now: a backup now succeeds.
end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=8)
lic = sign_license(wd, key, "Brief Ltd", end.strftime("%Y-%m-%dT%H:%M:%SZ"))
st, out = http("POST", "http://%s/enterpriseLicense" % zero.addr, open(lic).read())
expect(st == 200, out)
alpha.backup_ok(dest)
want = alpha.export()
expect(len(lsbackup(dest)) == 1)
first = lsbackup(dest)[0]["path"]

# After it ends, no restart: refused, nothing written.
while datetime.datetime.now(datetime.timezone.utc) <= end + datetime.timedelta(seconds=1):
    time.sleep(0.2)
expect(zero.state()["license"]["enabled"] is False, zero.state()["license"])
refused_backup(alpha, 'the license of "Brief Ltd" ended on %s' % end.strftime("%Y-%m-%dT%H:%M:%SZ"))
st, msg = internal_backup(alpha, lsbackup(dest)[0]["read_ts"])
expect(st == 500 and "backups need an enterprise license" in msg, (st, msg))
print("/internal/backup refused: %s" % msg)

# Restore, lsbackup and verify of the earlier backup still work.
b = lsbackup(dest)
expect(len(b) == 1 and b[0]["path"] == first, b)
v = run(["verify", "-l", dest] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []))
expect(v.returncode == 0, v.stdout + v.stderr)
r = restore(["-p", os.path.join(wd, "restored"), "-l", dest, "--force_zero=false"])
expect(r.returncode == 0, r.stderr)
alpha.stop()
zero.stop()
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"), extra=["--license_public_key", pub])
zero2.assign("timestamps", b[0]["read_ts"] + 10)
restored = Alpha(wd, zero2, postings=os.path.join(wd, "restored", "p1"))
expect(restored.export() == want, "the restored store differs from the backup")
restored.stop()
zero2.stop()

# An expired trial (no license; the trial began 31 days ago): refused.
state = os.path.join(zero.wal, "state.json")
s = json.load(open(state))
s.pop("license", None)
s["trial_start"] = int(time.time()) - 31 * 86400
json.dump(s, open(state, "w"))
zero = Zero(wd, wal=zero.wal, extra=["--license_public_key", pub])
alpha = Alpha(wd, zero)
lic_state = zero.state()["license"]
expect(lic_state["trial"] is True and lic_state["enabled"] is False, lic_state)
refused_backup(alpha, "the 30-day trial ended on")

# A license applied by POST: backups run again, no restart.
good = sign_license(wd, key, "Acme Corp", "2099-01-01")
st, out = http("POST", "http://%s/enterpriseLicense" % zero.addr, open(good).read())
expect(st == 200, out)
alpha.backup_ok(dest)
expect(len(lsbackup(dest)) == 2)

# Zero cannot be asked: the group backup fails closed.
zero.stop()
st, msg = internal_backup(alpha, lsbackup(dest)[1]["read_ts"])
expect(st == 503 and "cannot ask zero whether backups are licensed" in msg, (st, msg))
print("/internal/backup without zero: %s" % msg)
alpha.stop()
print("1 passed, 0 failed")
