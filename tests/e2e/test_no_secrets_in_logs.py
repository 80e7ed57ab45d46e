"""Runs last: every log the suite's cairn processes and commands wrote (and
ctest's own log) is searched for every key, secret key, secret-id, role-id,
auth token and Vault token the tests registered. None may appear."""
import glob
import os
import sys

from cairnlib import LOG_ROOT, expect

reg = os.path.join(LOG_ROOT, "secrets.hex")
if not os.path.exists(reg):
    print("FAIL: no secrets were registered; run the whole suite (this test checks the others' logs)")
    sys.exit(1)
secrets = {bytes.fromhex(l.strip()) for l in open(reg) if l.strip()}
expect(len(secrets) >= 5, "too few secrets registered (%d) for this check to mean anything" % len(secrets))
logs = [p for p in glob.glob(os.path.join(LOG_ROOT, "**", "*.log"), recursive=True)
        if os.path.basename(p) != "tokens.log"]
build = os.environ.get("CAIRN_BUILD_DIR", "")
logs += glob.glob(os.path.join(build, "Testing", "Temporary", "LastTest*.log"))
expect(len(logs) >= 10, logs)
found = []
for p in logs:
    data = open(p, "rb").read()
    for s in secrets:
        if s in data:
            found.append((p, s[:4].hex() + "..."))
expect(not found, "secrets found in logs: %s" % found)
print("scanned %d logs for %d secrets" % (len(logs), len(secrets)))
print("1 passed, 0 failed")
