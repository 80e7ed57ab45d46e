"""Encrypted backups with a key file: objects are IV ++ AES-CTR(gzip) and not
gzip; full + incremental restore with the key; restore without a key, with
the wrong key, with a 24-byte key for a 32-byte backup and of a tampered
object each fail with their own message and write nothing; a series never
mixes encrypted and plain backups; a bad key length stops the alpha at start."""
import glob
import hashlib
import json
import os
import shutil

from cairnlib import Alpha, Model, Proc, Zero, lit, load_sample, lsbackup, note_secret, restore, run, workdir, PLUGIN_DIR, expect

wd = workdir("backup-encrypted")
dest = os.path.join(wd, "backups")
key = os.urandom(32)
note_secret(key)
note_secret(key.hex())
keyfile = os.path.join(wd, "backup.key")
open(keyfile, "wb").write(key)
zero = Zero(wd)
postings = os.path.join(wd, "p")
# --at_rest=false: the key encrypts the backups only, so that a plain alpha
# can start on the same store below (encryption at rest: test_at_rest.py).
alpha = Alpha(wd, zero, postings=postings, extra=["--encryption_key_file", keyfile, "--at_rest=false"])
model = Model()
uids = load_sample(alpha, model, n_people=400)
alpha.backup_ok(dest)
alpha.mutate("{ delete { <0x%x> <name> * . } set { <0x%x> <name> %s . } }" % (uids[1], uids[1], lit("secret agent")))
alpha.alter({"drop_attr": "bio"})
alpha.backup_ok(dest)
b = lsbackup(dest)
expect([x["encrypted"] for x in b] == [True, True] and b[1]["type"] == "incremental", b)
want = alpha.export(b[1]["read_ts"])

for o in glob.glob(os.path.join(dest, "cairn.*", "*.backup")):
    data = open(o, "rb").read()
    expect(len(data) > 16 and data[16:18] != b"\x1f\x8b" and data[:2] != b"\x1f\x8b", o)
    expect(b"secret agent" not in data and b"Person" not in data)
m = json.load(open(os.path.join(dest, b[0]["path"], "manifest.json")))
expect(m["encrypted"] is True and m["cipher"] == "aes-256-ctr" and len(m["objects"][0]["hmac"]) == 64, m)
expect(key.hex() not in json.dumps(m))


def target(name):
    t = os.path.join(wd, name)
    os.makedirs(t, exist_ok=True)
    return t


def refused(args, want, loc=dest):
    t = target("refused")
    before = sorted(os.listdir(t))
    out = restore(["-p", t, "-l", loc, "--force_zero=false"] + args)
    expect(out.returncode != 0, out.stdout)
    last = out.stderr.strip().splitlines()[-1]
    expect(last.startswith("error: ") and want in last, (want, out.stderr))
    expect(sorted(os.listdir(t)) == before, "restore wrote into the target")
    return last


# Restore with the key: equal to the original.
out = restore(["-p", target("ok"), "-l", dest, "--force_zero=false", "--encryption_key_file", keyfile])
expect(out.returncode == 0, out.stderr)
zero2 = Zero(wd, wal=os.path.join(wd, "zw2"))
zero2.assign("timestamps", b[1]["read_ts"])
alpha2 = Alpha(wd, zero2, postings=os.path.join(wd, "ok", "p1"), extra=["--encryption_key_file", keyfile])
expect(alpha2.export() == want)
alpha2.stop()
zero2.stop()

refused([], "is encrypted (aes-256-ctr): give the key with --encryption_key_file or the --vault_* flags")
wrong = os.path.join(wd, "wrong.key")
open(wrong, "wb").write(os.urandom(32))
refused(["--encryption_key_file", wrong], "wrong key")
short = os.path.join(wd, "short.key")
open(short, "wb").write(key[:24])
refused(["--encryption_key_file", short], "takes a 32-byte key; the key given is 24 bytes")

# Tampered object whose sha256 the attacker also fixed: the MAC catches it.
tam = os.path.join(wd, "tampered")
shutil.copytree(dest, tam)
obj = glob.glob(os.path.join(tam, b[1]["path"], "*.backup"))[0]
data = bytearray(open(obj, "rb").read())
data[30] ^= 0x01
open(obj, "wb").write(bytes(data))
mf = os.path.join(tam, b[1]["path"], "manifest.json")
m = json.load(open(mf))
m["objects"][0]["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
json.dump(m, open(mf, "w"))
refused(["--encryption_key_file", keyfile], "fails its MAC check", loc=tam)
# Tampered without fixing the sha256 (the manifest as written, so its MAC holds).
data[31] ^= 0x01
open(obj, "wb").write(bytes(data))
shutil.copy(os.path.join(dest, b[1]["path"], "manifest.json"), mf)
refused(["--encryption_key_file", keyfile], "does not match the sha256", loc=tam)

# verify with and without the key
p = Proc("verify", ["verify", "-l", dest, "--encryption_key_file", keyfile] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []), wd)
expect(p.p.wait() == 0, p.output())
p.stop()
# Without the key, verify still checks presence, sizes and sha256.
v = run(["verify", "-l", dest] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []))
expect(v.returncode == 0 and "no key given" in v.stdout, v.stdout + v.stderr)
v = run(["verify", "-l", tam] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []))
expect(v.returncode != 0 and "does not match the sha256" in v.stderr, v.stderr)

# A series never mixes: a plain alpha cannot continue the encrypted series.
alpha.stop()
plain = Alpha(wd, zero, postings=postings)
out = plain.backup(dest)
msg = out["errors"][0]["message"]
expect("forceFull" in msg and "encrypted" in msg, msg)
expect(len(lsbackup(dest)) == 2)
plain.backup_ok(dest, force_full=True)
b = lsbackup(dest)
expect(b[-1]["encrypted"] is False and b[-1]["type"] == "full")
plain.stop()
# ...and an encrypting alpha cannot continue the plain one.
enc = Alpha(wd, zero, postings=postings, extra=["--encryption_key_file", keyfile, "--at_rest=false"])
out = enc.backup(dest)
expect("forceFull" in out["errors"][0]["message"], out)
enc.stop()

# A key of the wrong length stops the alpha at start-up, naming the length.
bad = os.path.join(wd, "bad.key")
open(bad, "wb").write(os.urandom(16) + b"x")   # 17 bytes, never a trailing newline
p = Proc("alpha-badkey", ["alpha", "--http", "127.0.0.1:1", "-p", os.path.join(wd, "pbad"), "-z", zero.addr,
                          "--encryption_key_file", bad] + (["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []), wd)
expect(p.p.wait(timeout=30) != 0)
p.stop()
expect("17 bytes" in p.output() and "16, 24 or 32" in p.output(), p.output())
zero.stop()
print("1 passed, 0 failed")
