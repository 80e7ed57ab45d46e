"""Encrypted backups with the key in Vault (the Vault stand-in): an alpha
reading its key over AppRole takes a full and an incremental backup, and
restore with the --vault_* flags (and with the same key from a file) gives
the original export; a key file and Vault together are refused."""
import base64
import os

from cairnlib import (expect, Alpha, Model, Zero, VaultRole, VaultStandIn, lit, load_sample, lsbackup, note_secret,
                      restore, workdir)

wd = workdir("backup-vault")
dest = os.path.join(wd, "backups")
key = os.urandom(32)
note_secret(key)
note_secret(base64.b64encode(key))
role = VaultRole(wd)
vault = VaultStandIn(wd, {
    "mounts": {"secret": {"type": "kv", "version": 2}},
    "roles": {"cairn": role.cfg},
    "policies": {"cairn": {"path": {"secret/data/*": {"capabilities": ["read"]}}}},
    "secrets": {"secret/cairn": {"enc_key": base64.b64encode(key).decode()}},
    "token_log": os.path.join(wd, "tokens.log"),
})
try:
    zero = Zero(wd)
    alpha = Alpha(wd, zero, extra=role.flags(vault.addr))
    model = Model()
    uids = load_sample(alpha, model, n_people=300)
    alpha.backup_ok(dest)
    alpha.mutate("{ delete { <0x%x> <age> * . } set { _:z <name> %s . } }" % (uids[4], lit("zed")))
    alpha.backup_ok(dest)
    b = lsbackup(dest)
    expect([(x["type"], x["encrypted"]) for x in b] == [("full", True), ("incremental", True)], b)
    want = alpha.export(b[-1]["read_ts"])

    for name, flags in (("via-vault", role.flags(vault.addr)), ("via-file", None)):
        if flags is None:
            kf = os.path.join(wd, "same.key")
            open(kf, "wb").write(key)
            flags = ["--encryption_key_file", kf]
        out = restore(["-p", os.path.join(wd, name), "-l", dest, "--force_zero=false"] + flags)
        expect(out.returncode == 0, out.stderr)
        z = Zero(wd, wal=os.path.join(wd, "zw-" + name))
        z.assign("timestamps", b[-1]["read_ts"])
        a = Alpha(wd, z, postings=os.path.join(wd, name, "p1"), extra=flags)  # encrypted at rest
        expect(a.export() == want, name)
        a.stop()
        z.stop()

    # Both a key file and Vault: one clear error, nothing written.
    out = restore(["-p", os.path.join(wd, "both"), "-l", dest, "--force_zero=false",
                   "--encryption_key_file", os.path.join(wd, "same.key")] + role.flags(vault.addr))
    expect(out.returncode != 0 and "set only one" in out.stderr, out.stderr)
    expect(not os.path.exists(os.path.join(wd, "both")))
    # A Vault secret missing: restore says so before writing.
    out = restore(["-p", os.path.join(wd, "missing"), "-l", dest, "--force_zero=false"] +
                  role.flags(vault.addr, "secret/data/nothing-here"))
    expect(out.returncode != 0 and "no secret at vault path" in out.stderr, out.stderr)
    expect(not os.path.exists(os.path.join(wd, "missing")))
    tokens = open(os.path.join(wd, "tokens.log")).read().split()
    expect(tokens, "the stand-in issued no token")
    for t in tokens:
        note_secret(t)
    alpha.stop()
    zero.stop()
finally:
    vault.stop()
print("1 passed, 0 failed")
