"""The restore mutation in a two-group cluster with a cluster secret and an
encryption key: group 2's alpha advertises (--my) a TCP relay that records
every byte between the alphas; the restore succeeds, and the relay's bytes
hold /internal/restore/prepare with the key and the storage credentials
sealed, never in clear (nor the admin token). A caller that is not a member
is refused by /internal/restore/prepare, commit and abort, and nothing
changes."""
import json
import os
import socket
import threading

from cairnlib import (Alpha, Zero, cluster_secret, expect, free_port, http, lit, note_secret,
                      workdir)

wd = workdir("admin-restore-secret")
secret_path = cluster_secret(wd)
TOKEN = "restore-admin-token-31"
ACCESS, SECRET_KEY, SESSION = "AKIARESTORETEST01", "restore-secret-key-7c1d2e3f", "restore-session-4a5b6c7d"
for s in (ACCESS, SECRET_KEY, SESSION):
    note_secret(s)
key = os.urandom(32)
keyfile = os.path.join(wd, "key")
open(keyfile, "wb").write(key)


class Relay:
    """127.0.0.1:port -> target, recording both directions."""

    def __init__(self, target_port):
        self.port, self.target = free_port(), target_port
        self.buf, self.mu = bytearray(), threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.pump, args=(c, u), daemon=True).start()
            threading.Thread(target=self.pump, args=(u, c), daemon=True).start()

    def pump(self, a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                with self.mu:
                    self.buf += d
                b.sendall(d)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def bytes(self):
        with self.mu:
            return bytes(self.buf)



tok = ["--auth_token", TOKEN, "--encryption_key_file", keyfile]
zero = Zero(wd, secret=secret_path, extra=["--auth_token", TOKEN])
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"), secret=secret_path, extra=tok)
a2_port = free_port()
relay = Relay(a2_port)
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"), port=a2_port, secret=secret_path,
           extra=tok + ["--my", "127.0.0.1:%d" % relay.port])

lease = zero.assign("uids", 10)["startId"]
a1.mutate("{ set { <0x%x> <name> %s . } }" % (lease, lit("one")))
a2.mutate("{ set { <0x%x> <friend> <0x%x> . } }" % (lease, lease + 1))
dest = os.path.join(wd, "backups")
a1.backup_ok(dest)
want1, want2 = a1.export(), a2.export()
a1.mutate("{ set { <0x%x> <name> %s . } }" % (lease + 2, lit("two")))
a2.alter({"drop_attr": "friend"})
now1, now2 = a1.export(), a2.export()

# Not a member: refused, nothing changes.
for path in ("prepare", "commit", "abort"):
    st, out = http("POST", a2.url + "/internal/restore/" + path,
                   json.dumps({"id": "0123456789abcdef", "location": dest}),
                   {"Content-Type": "application/json", "X-Cairn-AuthToken": TOKEN})
    expect(st in (401, 403), (path, st, out))
expect(a1.export() == now1 and a2.export() == now2)

st, out = a1.admin("mutation($in: RestoreInput!) { restore(input: $in) { code message } }",
                   {"in": {"location": dest, "accessKey": ACCESS, "secretKey": SECRET_KEY,
                           "sessionToken": SESSION}})
expect(st == 200 and "errors" not in out and out["data"]["restore"]["code"] == "Success", out)
expect(a1.export() == want1 and a2.export() == want2, "the restore did not bring the backup back")

wire = relay.bytes()
expect(b"/internal/restore/prepare" in wire and b"/internal/restore/commit" in wire, len(wire))
expect(wire.count(b"cairn-sealed:v1:") >= 4, wire.count(b"cairn-sealed:v1:"))
for s in (SECRET_KEY.encode(), ACCESS.encode(), SESSION.encode(), TOKEN.encode(), key.hex().encode()):
    expect(s not in wire, "%s crossed the network in clear" % s[:6])
print("ok")
