"""Encryption at rest: with a key, a distinctive value, predicate name and
uid written through /mutate appear in no file of the postings directory
(a plain one shows them); starting without the key, with another key, or a
plain directory with a key is refused in one line; a flipped byte in a
stored value is reported by export and backup; `cairn restore` with the key
writes encrypted p<N> that start with the key and serve the same export;
`cairn postings encrypt|rekey|decrypt` keep the data, and the old key is
refused after a rekey."""
import base64
import os
import shutil
import subprocess

from cairnlib import (Alpha, Model, VaultRole, VaultStandIn, Zero, expect, free_port, http, lit, load_sample, note_secret,
                      restore, run, workdir, PLUGIN_DIR)

BUILD = os.environ.get("CAIRN_BUILD_DIR", "build")
FLIP = os.path.join(BUILD, "tests", "lmdb_flip")
PD = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []

wd = workdir("at-rest")
keys = {}
for name in ("k1", "k2", "wrong"):
    k = os.urandom(32)
    note_secret(k)
    keys[name] = os.path.join(wd, name + ".key")
    open(keys[name], "wb").write(k)

PRED = "zqxTopSecretPredicate"
VALUE = "zqx-classified-value-7731"


def load(alpha):
    """The distinctive triple, and a graph beside it; returns its uid."""
    out = alpha.mutate('{ set { _:a <%s> %s . _:a <name> %s . } }' % (PRED, lit(VALUE), lit("Bob")))
    load_sample(alpha, Model(), n_people=300)
    alpha.mutate('{ delete { <%s> <%s> * . } }' % (out["data"]["uids"]["a"], "name"))
    return int(out["data"]["uids"]["a"], 16)


def needles(u):
    return [PRED.encode(), VALUE.encode(), ("0x%x" % u).encode(), str(u).encode()]


def found(d, u):
    """Which needles some file under d holds (path, needle)."""
    hits = []
    for root, _, files in os.walk(d):
        for f in files:
            data = open(os.path.join(root, f), "rb").read()
            hits += [(f, n) for n in needles(u) if n in data]
    return hits


def refused(postings, extra, want):
    p = run(["alpha", "--http", "127.0.0.1:%d" % free_port(), "-p", postings, "-z", zero.addr] + PD + extra,
            timeout=60)
    expect(p.returncode != 0, p.stdout + p.stderr)
    last = p.stderr.strip().splitlines()[-1]
    expect(last.startswith("error: ") and want in last, (want, p.stderr))


def cli_ok(args):
    p = run(args + PD, timeout=300)
    expect(p.returncode == 0, p.stdout + p.stderr)
    return p


zero = Zero(wd)
# Large uids: their text cannot turn up by chance in random bytes.
zero.assign("uids", 5000000)

# Encrypted: nothing shows, anywhere under the postings directory.
pe = os.path.join(wd, "pe")
dest = os.path.join(wd, "backups")
alpha = Alpha(wd, zero, postings=pe, extra=["--encryption_key_file", keys["k1"]])
u = load(alpha)
expect(u > 5000000, u)
alpha.backup_ok(dest)  # a task in tasks.json
want = alpha.export()
expect(PRED in want and VALUE in want, want[:300])
alpha.stop()
expect(found(pe, u) == [], found(pe, u))
expect(open(os.path.join(pe, "tasks.json"), "rb").read().startswith(b"cairn-sealed v1\n"))

# The control: a plain store shows them (so the grep above can see them).
zero_c = Zero(wd, wal=os.path.join(wd, "zw-plain"))
zero_c.assign("uids", 5000000)
pp = os.path.join(wd, "pp")
alpha_c = Alpha(wd, zero_c, postings=pp)
uc = load(alpha_c)
want_plain = alpha_c.export()
alpha_c.stop()
expect(any(n == PRED.encode() for _, n in found(pp, uc)) and any(n == VALUE.encode() for _, n in found(pp, uc)))

# Refused starts, one line each.
refused(pe, [], "is encrypted at rest")
refused(pe, ["--encryption_key_file", keys["wrong"]], "was encrypted at rest with another key")
refused(pp, ["--encryption_key_file", keys["k1"]], "is not encrypted at rest")

# A flipped byte in a stored value: export and backup report it.
pf = os.path.join(wd, "pf")
shutil.copytree(pe, pf)
flip = subprocess.run([FLIP, pf, "data"], capture_output=True, text=True)
expect(flip.returncode == 0, flip.stderr)
zero_f = Zero(wd, wal=os.path.join(wd, "zw-flip"))
alpha_f = Alpha(wd, zero_f, postings=pf, extra=["--encryption_key_file", keys["k1"]], name="alpha-flipped")
try:
    st, body = http("GET", alpha_f.url + "/export?format=rdf", timeout=60)
    expect(st != 200 or body.decode(errors="replace") != want, "a damaged export was served whole")
except Exception as e:  # the stream cut short
    print("export cut short:", type(e).__name__)
out = alpha_f.backup(os.path.join(wd, "flip-backups"))
expect("errors" in out and "is damaged or was written with another key" in str(out), out)
alpha_f.stop()
expect("is damaged or was written with another key" in open(alpha_f.proc.log_path, errors="replace").read())
zero_f.stop()

# restore with the key: encrypted p1 that starts with the key, same export.
cli_ok(["restore", "-p", os.path.join(wd, "r"), "-l", dest, "--force_zero=false",
        "--encryption_key_file", keys["k1"]])
p1 = os.path.join(wd, "r", "p1")
expect(found(p1, u) == [], found(p1, u))
expect(open(os.path.join(p1, "restore.json"), "rb").read().startswith(b"cairn-sealed v1\n"))
refused(p1, [], "is encrypted at rest")
zero_r = Zero(wd, wal=os.path.join(wd, "zw-r"))
alpha_r = Alpha(wd, zero_r, postings=p1, extra=["--encryption_key_file", keys["k1"]], name="alpha-restored")
expect(alpha_r.export() == want)
alpha_r.stop()
zero_r.stop()

# Conversion and rotation of the plain directory.
cli_ok(["postings", "encrypt", "-p", pp, "--encryption_key_file", keys["k1"]])
expect(found(pp, uc) == [], found(pp, uc))
refused(pp, [], "is encrypted at rest")
cli_ok(["postings", "rekey", "-p", pp, "--old_encryption_key_file", keys["k1"],
        "--encryption_key_file", keys["k2"]])
refused(pp, ["--encryption_key_file", keys["k1"]], "was encrypted at rest with another key")
alpha_c = Alpha(wd, zero_c, postings=pp, extra=["--encryption_key_file", keys["k2"]], name="alpha-rekeyed")
expect(alpha_c.export() == want_plain)
alpha_c.stop()
p = run(["postings", "rekey", "-p", pp, "--old_encryption_key_file", keys["k1"],
         "--encryption_key_file", keys["wrong"]] + PD)
expect(p.returncode != 0 and "another key" in p.stderr, p.stderr)
# Rotation to a key kept in Vault and back: the old key's options come from
# an ini file (--old_config), any provider's.
kv = os.urandom(32)
note_secret(kv)
note_secret(base64.b64encode(kv))
role = VaultRole(wd)
vault = VaultStandIn(wd, {
    "mounts": {"secret": {"type": "kv", "version": 2}},
    "roles": {"cairn": role.cfg},
    "policies": {"cairn": {"path": {"secret/data/*": {"capabilities": ["read"]}}}},
    "secrets": {"secret/cairn": {"enc_key": base64.b64encode(kv).decode()}},
})
old_file = os.path.join(wd, "old-file.ini")
open(old_file, "w").write("[postings]\nencryption_key_file = %s\n" % keys["k2"])
cli_ok(["postings", "rekey", "-p", pp, "--old_config", old_file] + role.flags(vault.addr))
refused(pp, ["--encryption_key_file", keys["k2"]], "was encrypted at rest with another key")
alpha_c = Alpha(wd, zero_c, postings=pp, extra=role.flags(vault.addr), name="alpha-vault-key")
expect(alpha_c.export() == want_plain)
alpha_c.stop()
old_vault = os.path.join(wd, "old-vault.ini")
f = role.flags(vault.addr)
open(old_vault, "w").write("[postings]\n" + "".join("%s = %s\n" % (f[i][2:], f[i + 1]) for i in range(0, len(f), 2)))
p = run(["postings", "rekey", "-p", pp, "--old_config", old_file, "--encryption_key_file", keys["k2"]] + PD)
expect(p.returncode != 0 and "another key" in p.stderr, p.stderr)
cli_ok(["postings", "rekey", "-p", pp, "--old_config", old_vault, "--encryption_key_file", keys["k2"]])
vault.stop()
cli_ok(["postings", "decrypt", "-p", pp, "--encryption_key_file", keys["k2"]])
alpha_c = Alpha(wd, zero_c, postings=pp, name="alpha-decrypted")
expect(alpha_c.export() == want_plain)
alpha_c.stop()
zero_c.stop()
zero.stop()
print("ok")
