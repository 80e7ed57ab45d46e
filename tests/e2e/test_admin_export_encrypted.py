"""The export mutation on an alpha with an encryption key: as Dgraph does,
the export is encrypted with it. Each file is IV ++ AES-CTR(gzip), not gzip;
export.json says encrypted, the cipher and the key's public check (never
the key); `openssl enc -d -aes-256-ctr` with the key and the file's IV,
then `gzip -d`, gives the group's /export at the manifest's read_ts."""
import json
import os
import subprocess

from cairnlib import Alpha, Zero, expect, lit, note_secret, workdir
from exportlib import export_ok, raw_export

wd = workdir("admin-export-encrypted")
dest = os.path.join(wd, "exports")
key = os.urandom(32)
note_secret(key)
note_secret(key.hex())
keyfile = os.path.join(wd, "export.key")
open(keyfile, "wb").write(key)
zero = Zero(wd)
alpha = Alpha(wd, zero, postings=os.path.join(wd, "p"), extra=["--encryption_key_file", keyfile])
lease = zero.assign("uids", 100)
alpha.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <name> %s ." % (u, lit("P%d" % u)) for u in range(lease["startId"], lease["endId"] + 1)))

p = export_ok(alpha, dest)
folder = p["exportedFiles"][0].split("/")[0]
mtext = open(os.path.join(dest, folder, "export.json")).read()
m = json.loads(mtext)
expect(m["encrypted"] is True and m["cipher"] == "aes-256-ctr" and len(m["key_check"]) == 32, m)
expect(key.hex() not in mtext, "the key is in the manifest")
path = os.path.join(dest, folder, m["files"][0]["path"])
stored = open(path, "rb").read()
expect(stored[:2] != b"\x1f\x8b", "an encrypted export file starts as gzip")
expect(subprocess.run(["gzip", "-dc", path], capture_output=True).returncode != 0)
dec = subprocess.run(["openssl", "enc", "-d", "-aes-256-ctr", "-K", key.hex(), "-iv", stored[:16].hex()],
                     input=stored[16:], capture_output=True)
expect(dec.returncode == 0, dec.stderr)
plain = subprocess.run(["gzip", "-dc"], input=dec.stdout, capture_output=True)
expect(plain.returncode == 0 and plain.stdout == raw_export(alpha, m["read_ts"]), plain.stderr)
print("ok")
