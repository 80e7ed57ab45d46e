"""The alpha's /metrics, open like /health (no admin token needed even when
one is set), counts backups per destination: started, succeeded, failed,
the last duration, the bytes written (the manifests' object sizes) and the
last success's Unix time, absent for a destination that never succeeded;
a destination is labelled without its query string."""
import os
import re
import time

from cairnlib import Alpha, Model, Zero, http, load_sample, lsbackup, workdir, expect

wd = workdir("metrics-backups")
dest = os.path.join(wd, "backups")
token = "metrics-token-" + os.urandom(6).hex()
zero = Zero(wd)
alpha = Alpha(wd, zero, extra=["--auth_token", token])
load_sample(alpha, Model(), n_people=100)

t0 = int(time.time())
alpha.backup_ok(dest)
alpha.backup_ok(dest)
t1 = int(time.time()) + 1
afile = os.path.join(wd, "a-file")
open(afile, "w").write("x")
bad = os.path.join(afile, "sub")
out = alpha.backup(bad)
expect("errors" in out, out)
out = alpha.backup("minio://127.0.0.1:1/bucket?secure=maybe")
expect("errors" in out, out)

st, body = http("GET", alpha.url + "/metrics")
expect(st == 200, (st, body))
text = body.decode()
expect("# TYPE cairn_backup_last_success_timestamp_seconds gauge" in text, text)
vals = {}
for line in text.splitlines():
    m = re.match(r'^(cairn_backup_\w+)\{destination="([^"]*)"\} (\S+)$', line)
    if m:
        vals[(m.group(1), m.group(2))] = float(m.group(3))


def v(name, d):
    expect((name, d) in vals, (name, d, text))
    return vals[(name, d)]


expect(v("cairn_backup_started_total", dest) == 2)
expect(v("cairn_backup_succeeded_total", dest) == 2)
expect(v("cairn_backup_failed_total", dest) == 0)
expect(v("cairn_backup_last_duration_seconds", dest) > 0)
expect(v("cairn_backup_written_bytes_total", dest) == sum(x["size"] for x in lsbackup(dest)))
expect(t0 <= v("cairn_backup_last_success_timestamp_seconds", dest) <= t1)
expect(v("cairn_backup_started_total", bad) == 1 and v("cairn_backup_failed_total", bad) == 1)
expect(("cairn_backup_last_success_timestamp_seconds", bad) not in vals, text)
expect(v("cairn_backup_failed_total", "minio://127.0.0.1:1/bucket") == 1)
expect("secure=" not in text, text)
print("ok")
