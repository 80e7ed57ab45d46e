"""/export streams from one read snapshot as it is sent: exporting 60 MB
raises the alpha's anonymous memory by far less than the export's size, a
client that leaves half way costs nothing (the alpha keeps serving), and
every quad comes out once."""
import socket
import threading
import time

from cairnlib import Alpha, Zero, expect, http, workdir

MUTATIONS, QUADS, VALUE = 6, 10000, "x" * 1000
BOUND_MIB = 24

wd = workdir("export-streams")
zero = Zero(wd)
alpha = Alpha(wd, zero)
u = zero.assign("uids", MUTATIONS)["startId"]
for m in range(MUTATIONS):
    alpha.mutate("{ set {\n%s} }" % "".join('<0x%x> <v> "%s%d" .\n' % (u + m, VALUE, k) for k in range(QUADS)))


def anon_kib():
    for line in open("/proc/%d/status" % alpha.proc.p.pid):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])


before = anon_kib()
peak = [before]
done = threading.Event()


def sample():
    while not done.is_set():
        peak[0] = max(peak[0], anon_kib())
        time.sleep(0.005)


t = threading.Thread(target=sample)
t.start()
st, out = http("GET", alpha.url + "/export?format=rdf", timeout=120)
done.set()
t.join()
lines = out.splitlines()
grew = (peak[0] - before) / 1024
print("export: %d quads, %.1f MB; alpha anonymous memory %.1f MiB before, +%.1f MiB at most while sending (bound %d MiB)" %
      (len(lines), len(out) / 1e6, before / 1024, grew, BOUND_MIB))
expect(st == 200 and len(lines) == MUTATIONS * QUADS and len(set(lines)) == len(lines), (st, len(lines)))
expect(grew < BOUND_MIB, grew)

# A client that reads 100 KB and leaves.
s = socket.create_connection(("127.0.0.1", alpha.port))
s.sendall(b"GET /export?format=rdf HTTP/1.1\r\nHost: x\r\n\r\n")
got = 0
while got < 100000:
    got += len(s.recv(65536))
s.close()
time.sleep(0.5)
st, _ = http("GET", alpha.url + "/health")
st2, out2 = http("GET", alpha.url + "/export?format=rdf", timeout=120)
print("a client that left after %d bytes: alpha healthy %s, next export %d quads" % (got, st == 200, len(out2.splitlines())))
expect(st == 200 and st2 == 200 and out2 == out)
alpha.stop()
zero.stop()
print("PASS")
