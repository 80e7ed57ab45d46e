"""The GCS stand-in speaks Google's protocol, not only cairn's idea of it:
Google's own client (@google-cloud/storage from npm, with its JWT signed by
google-auth-library for a throw-away service-account key) uploads simply
(multipart) and resumably (in 256 KiB chunks, and as one streamed request),
lists 230 objects across the stand-in's 100-object pages (and one page by
hand with its pageToken), downloads whole (checking md5/crc32c) and by range,
reads metadata and deletes, all against the stand-in; and the stand-in
answers a storage call without a token, or with a wrong one, 401."""
import json
import os
import shutil
import subprocess

from cairnlib import SOURCE_DIR, expect, http, workdir
from gcslib import GcsStandIn, ServiceAccount

BUILD = os.environ.get("CAIRN_BUILD_DIR", os.getcwd())
NPM_DIR = os.path.join(BUILD, "npm-gcs")
PACKAGES = ["@google-cloud/storage@7"]

os.makedirs(NPM_DIR, exist_ok=True)
stamp = os.path.join(NPM_DIR, "installed.txt")
if not os.path.exists(stamp) or open(stamp).read() != " ".join(PACKAGES):
    with open(os.path.join(NPM_DIR, "package.json"), "w") as f:
        f.write('{"name": "cairn-gcs-client", "private": true}\n')
    npm = shutil.which("npm")
    expect(npm, "npm is not installed: run scripts/setup.sh (it installs nodejs and npm)")
    p = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", NPM_DIR] + PACKAGES,
                       capture_output=True, text=True, timeout=600)
    expect(p.returncode == 0, "npm install %s failed (is npm installed and the registry "
           "reachable?):\n%s%s" % (" ".join(PACKAGES), p.stdout[-2000:], p.stderr[-2000:]))
    with open(stamp, "w") as f:
        f.write(" ".join(PACKAGES))
script = os.path.join(NPM_DIR, "gcs_node_client.cjs")
shutil.copyfile(os.path.join(SOURCE_DIR, "tests", "e2e", "gcs_node_client.cjs"), script)

wd = workdir("gcs-npm")
sa = ServiceAccount(wd)
gcs = GcsStandIn(wd, [sa], ["node-bucket"], page_size=100)
try:
    p = subprocess.run(["node", script, gcs.addr, sa.path, "node-bucket"], cwd=NPM_DIR,
                       capture_output=True, text=True, timeout=300)
    expect(p.returncode == 0, "the npm client failed:\n" + p.stdout[-3000:] + p.stderr[-3000:])
    r = json.loads(p.stdout.strip().splitlines()[-1])
    st = gcs.stats()
    # Google's library got its token from the stand-in, which checked the JWT.
    expect(r["tokenRequests"] >= 1 and st["tokens"] >= 1 and st["token_refusals"] == 0, (r["tokenRequests"], st))
    # Simple and resumable uploads; the chunked one went 256 KiB at a time.
    expect(st["multipart_uploads"] == 231, st)
    expect(st["resumable_done"] == 2 and st["open_sessions"] == 0, st)
    expect(st["chunks"] >= 5, st)
    expect(int(r["chunkedMeta"]["size"]) == 3 * 262144 + 12345 and r["chunkedMeta"]["crc32c"], r["chunkedMeta"])
    expect(int(r["streamedMeta"]["size"]) == 600000, r["streamedMeta"])
    # Listing across pages.
    want = ["node/many/o%04d" % i for i in range(230)]
    expect(r["listed"] == want, r["listed"][:5])
    expect(sorted(r["listedSizes"]) == sorted(len("object %d\n" % i) for i in range(230)), r["listedSizes"][:5])
    expect(r["listedAll"] == 233, r["listedAll"])
    expect(r["page1"] == 50 and r["page2First"] == "node/many/o0050", (r["page1"], r["page2First"]))
    expect(st["list_pages"] >= 3 + 3 + 2, st)
    # Metadata, downloads whole (validated by the client) and ranged.
    expect(r["metaSize"] == 3 * 262144 + 12345, r["metaSize"])
    expect(r["wholeOk"] and r["simpleOk"] and r["streamedOk"], r)
    expect(r["rangeOk"] and r["tailOk"] and st["ranged_gets"] >= 2, (r, st))
    # Delete; a missing object and a missing bucket are 404s to the client.
    expect(r["existsAfterDelete"] is False, r)
    expect(r["missingCode"] == 404 and r["noBucketCode"] == 404, (r["missingCode"], r["noBucketCode"]))

    # No token, a wrong token: 401 with Google's error body and WWW-Authenticate.
    url = gcs.addr + "/storage/v1/b/node-bucket/o?prefix=node/"
    code, body = http("GET", url)
    expect(code == 401 and json.loads(body)["error"]["code"] == 401, (code, body))
    code, body = http("GET", url, headers={"Authorization": "Bearer ya29.not-a-token"})
    expect(code == 401 and json.loads(body)["error"]["message"] == "Invalid Credentials", (code, body))
finally:
    gcs.stop()
print("1 passed, 0 failed")
