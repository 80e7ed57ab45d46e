"""storage-azure against Azurite (npm, installed under the build tree and
started here on loopback with --disableTelemetry; it checks Shared Key and
SAS signatures): `cairn storage-check` passes every check (with 250-blob
listing pages, so the NextMarker paging is crossed); an alpha's full and
incremental backups to azure:// list, verify and restore to the original's
export, and Azurite's own listing (read with a client of the test's own)
shows what cairn wrote; a SAS token and a connection string read the same
backups, and an alpha backs up with a SAS token as the mutation's
sessionToken; a wrong key is refused with one clear error that does not show the
key, and so is a missing container; storage-check shows those errors'
codes (CAIRN_E_AUTH, CAIRN_E_NOTFOUND) and a read-only SAS token's refused
write as CAIRN_E_PERMISSION."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
import azurite  # noqa: E402

from cairnlib import (PLUGIN_DIR, Alpha, Model, Zero, expect, lit, load_sample, lsbackup,  # noqa: E402
                      note_secret, restore, run, workdir)

CHECKS = {"write-read", "abort", "uncommitted", "large-stream", "list-many", "ranged-read",
          "missing", "overwrite", "concurrent", "remove", "cleanup"}

wd = workdir("storage-azure")
az = azurite.Azurite().start()
try:
    note_secret(azurite.KEY)
    for c in ("check", "backups"):
        az.create_container(c)
    env = az.env()

    # storage-check: every check passes and nothing is left behind.
    ini = os.path.join(wd, "azure.ini")
    open(ini, "w").write("[azure]\nlist_page_size = 250\n")
    p = run(["storage-check", az.uri("check", "scratch"), "--plugin_dir", PLUGIN_DIR, "--large_mb", "24",
             "--config", ini], env=env, timeout=600)
    print(p.stdout)
    res = {}
    for line in p.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("PASS", "FAIL", "SKIP"):
            res[parts[1]] = parts[0]
    expect(p.returncode == 0, (p.stdout, p.stderr))
    expect(set(res) == CHECKS and set(res.values()) == {"PASS"}, p.stdout)
    expect("with storage-azure " in p.stdout, p.stdout)
    expect(az.blobs("check") == {}, az.blobs("check"))

    # Backups: full + incremental, listed, verified, restored.
    loc = az.uri("backups", "cluster1")
    zero = Zero(wd)
    alpha = Alpha(wd, zero, postings=os.path.join(wd, "p"), env=env)
    model = Model()
    uids = load_sample(alpha, model, n_people=1500)
    alpha.backup_ok(loc)
    alpha.mutate("{ delete { <0x%x> <name> * . } set { <0x%x> <name> %s . } }" % (uids[3], uids[3], lit("changed")))
    alpha.alter({"drop_attr": "bio"})
    alpha.backup_ok(loc)
    b = lsbackup(loc, env=env)
    expect([x["type"] for x in b] == ["full", "incremental"], b)
    v = run(["verify", "-l", loc, "--plugin_dir", PLUGIN_DIR], env=env)
    expect(v.returncode == 0, v.stderr)
    want = alpha.export(b[-1]["read_ts"])
    out = restore(["-p", os.path.join(wd, "r"), "-l", loc, "--force_zero=false"], env=env)
    expect(out.returncode == 0, out.stderr)
    z = Zero(wd, wal=os.path.join(wd, "zw-r"))
    z.assign("timestamps", b[-1]["read_ts"])
    a = Alpha(wd, z, postings=os.path.join(wd, "r", "p1"))
    expect(a.export() == want, "the restored export differs from the original's")
    a.stop()
    z.stop()

    # What Azurite holds, seen by a client that is not cairn's driver.
    blobs = az.blobs("backups", "cluster1/")
    manifests = sorted(k for k in blobs if k.endswith("/manifest.json"))
    expect(len(manifests) == 2, blobs)
    expect([m.split("/")[1] for m in manifests] == [x["path"] for x in b], (manifests, b))
    expect(az.get("backups", manifests[0]).lstrip().startswith(b"{"))

    # A SAS token, and a connection string, read the same backups.
    sas_env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    sas = azurite.account_sas()
    note_secret(sas)
    note_secret(sas.split("sig=")[1])
    sas_env["AZURE_STORAGE_SAS_TOKEN"] = "?" + sas
    expect([x["path"] for x in lsbackup(loc, env=sas_env)] == [x["path"] for x in b])
    # The mutation's sessionToken carries a SAS token.
    alpha.backup_ok(az.uri("backups", "by-sas"), sessionToken="?" + sas)
    expect([x["type"] for x in lsbackup(az.uri("backups", "by-sas"), env=env)] == ["full"])
    cs_env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    cs_env["AZURE_STORAGE_CONNECTION_STRING"] = (
        "DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%d/%s;"
        % (azurite.ACCOUNT, azurite.KEY, az.port, azurite.ACCOUNT))
    expect([x["path"] for x in lsbackup("azure://%s/backups/cluster1" % azurite.ACCOUNT, env=cs_env)]
           == [x["path"] for x in b])

    # A wrong key: refused, one clear error, the key not in it; nothing written.
    wrong = "AAAA" + azurite.KEY[4:]
    note_secret(wrong)
    out = alpha.backup(az.uri("backups", "wrong"), accessKey=azurite.ACCOUNT, secretKey=wrong)
    expect("errors" in out and len(out["errors"]) == 1, out)
    msg = out["errors"][0]["message"]
    print("wrong key (backup):", msg)
    expect("refused the request's signature" in msg and "is wrong for account" in msg, msg)
    expect(wrong not in msg and azurite.KEY not in msg, msg)
    p = run(["lsbackup", "-l", loc, "--plugin_dir", PLUGIN_DIR], env=az.env(AZURE_STORAGE_KEY=wrong))
    print("wrong key (lsbackup):", p.stderr.strip())
    expect(p.returncode != 0 and p.stderr.count("error:") == 1, p.stderr)
    expect("is wrong for account" in p.stderr and wrong not in p.stderr + p.stdout, p.stderr)
    expect(not [k for k in az.blobs("backups") if k.startswith("wrong/")])

    # A missing container: a clear error naming it.
    out = alpha.backup(az.uri("no-such-container", "x"))
    expect("errors" in out, out)
    msg = out["errors"][0]["message"]
    print("missing container (backup):", msg)
    expect('container "no-such-container" does not exist' in msg, msg)
    p = run(["lsbackup", "-l", az.uri("no-such-container"), "--plugin_dir", PLUGIN_DIR], env=env)
    expect(p.returncode != 0 and 'container "no-such-container" does not exist' in p.stderr, p.stderr)

    # The codes behind those errors, as storage-check shows them: a wrong
    # key is CAIRN_E_AUTH, a missing container CAIRN_E_NOTFOUND, and a
    # read-only SAS token's write a 403 that is CAIRN_E_PERMISSION.
    ro = azurite.account_sas(permissions="rl")
    note_secret(ro)
    note_secret(ro.split("sig=")[1])
    ro_env = dict(sas_env, AZURE_STORAGE_SAS_TOKEN=ro)
    for what, uri, e, code in (("wrong key", az.uri("check"), az.env(AZURE_STORAGE_KEY=wrong), "CAIRN_E_AUTH"),
                               ("missing container", az.uri("no-such-container"), env, "CAIRN_E_NOTFOUND"),
                               ("read-only SAS", az.uri("check"), ro_env, "CAIRN_E_PERMISSION")):
        p = run(["storage-check", uri, "--plugin_dir", PLUGIN_DIR], env=e, timeout=300)
        first = [x for x in p.stdout.splitlines() if x.startswith("FAIL  write-read")]
        print("%s: %s" % (what, first))
        expect(p.returncode != 0 and first and first[0].endswith("[%s]" % code), (what, p.stdout))
        expect(wrong not in p.stdout + p.stderr and ro not in p.stdout + p.stderr, p.stdout)
    expect(lsbackup(loc, env=ro_env) == b)  # the read-only token still reads
    alpha.stop()
    zero.stop()
finally:
    az.stop()
print("1 passed, 0 failed")
