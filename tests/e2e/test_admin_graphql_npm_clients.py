"""Real GraphQL clients from npm against a real alpha's /admin: graphql-js's
getIntrospectionQuery -> buildClientSchema -> validate() passes for every
backup mutation in the seed, and graphql-request sends a backup mutation and
a health query. npm installs graphql and graphql-request under the build tree
(kept there as a cache); if that fails, the test fails."""
import json
import os
import shutil
import subprocess

from cairnlib import SOURCE_DIR, Alpha, Zero, expect, workdir

BUILD = os.environ["CAIRN_BUILD_DIR"]
NPM_DIR = os.path.join(BUILD, "npm-graphql")
PACKAGES = ["graphql@16", "graphql-request@7"]

os.makedirs(NPM_DIR, exist_ok=True)
stamp = os.path.join(NPM_DIR, "installed.txt")
if not os.path.exists(stamp) or open(stamp).read() != " ".join(PACKAGES):
    with open(os.path.join(NPM_DIR, "package.json"), "w") as f:
        f.write('{"name": "cairn-graphql-clients", "private": true}\n')
    npm = shutil.which("npm")
    expect(npm, "npm is not installed: run scripts/setup.sh (it installs nodejs and npm)")
    p = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", NPM_DIR] + PACKAGES,
                       capture_output=True, text=True, timeout=600)
    expect(p.returncode == 0, "npm install %s failed (is npm installed and the registry "
           "reachable?):\n%s%s" % (" ".join(PACKAGES), p.stdout[-2000:], p.stderr[-2000:]))
    with open(stamp, "w") as f:
        f.write(" ".join(PACKAGES))
# Run from beside node_modules so the script's imports resolve there.
script = os.path.join(NPM_DIR, "gql_client.mjs")
shutil.copyfile(os.path.join(SOURCE_DIR, "tests", "e2e", "gql_client.mjs"), script)

wd = workdir("admin-npm")
zero = Zero(wd)
alpha = Alpha(wd, zero)
alpha.mutate('{ set { _:a <name> "Alice" . } }')
# The seed's backup mutations, copied verbatim from its binary-backups page.
seed = os.path.join(SOURCE_DIR, "tests", "e2e", "seed_backup_mutations.graphql")
dest = os.path.join(wd, "backups")
os.makedirs(dest)
p = subprocess.run(["node", script, alpha.url + "/admin", seed, dest], capture_output=True, text=True,
                   timeout=300)
expect(p.returncode == 0, (p.stdout, p.stderr))
out = json.loads(p.stdout.strip().splitlines()[-1])
expect(out["mutations"] >= 5, out)
expect(out["invalid"] == [], out["invalid"])
expect(out["described"].startswith("Backs the whole cluster up"), out["described"])
expect(out["backup"]["backup"]["response"] == {"message": "Backup completed.", "code": "Success"}, out)
h = out["health"]["health"]
expect(len(h) == 1 and h[0]["instance"] == "alpha" and h[0]["status"] == "healthy", h)
expect(h[0]["address"] == alpha.addr and h[0]["group"] == "1" and h[0]["uptime"] >= 0, h)
expect(isinstance(h[0]["ongoing"], list) and isinstance(h[0]["ee_features"], list), h)
expect(any(n.startswith("cairn.") for n in os.listdir(dest)), os.listdir(dest))
print("ok")
