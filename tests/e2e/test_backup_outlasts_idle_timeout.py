"""The idle timeout counts only a silent connection while the server waits
for the client, never a request being answered: a backup that takes longer
than --idle_timeout (CAIRN_FAULT_BACKUP_PAUSE_MS makes it slow) still gets
its answer, while a connection idle as long is closed."""
import os
import socket
import time

from cairnlib import Alpha, Zero, expect, lit, lsbackup, workdir

IDLE_S = 2
PAUSE_MS = 6000

wd = workdir("backup-idle")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
alpha = Alpha(wd, zero, extra=["--idle_timeout", str(IDLE_S)], env={"CAIRN_FAULT_BACKUP_PAUSE_MS": str(PAUSE_MS)})
alpha.mutate("{ set { _:a <name> %s . } }" % lit("slow"))

idle = socket.create_connection(("127.0.0.1", alpha.port))
t0 = time.time()
alpha.backup_ok(dest)
took = time.time() - t0
idle.settimeout(1)
closed = idle.recv(1) == b""
print("backup answered after %.1f s with --idle_timeout %d; a connection idle as long closed: %s" % (took, IDLE_S, closed))
expect(took * 1000 >= PAUSE_MS and took > 2 * IDLE_S, took)
expect(closed)
expect(len(lsbackup(dest)) == 1)
alpha.stop()
zero.stop()
print("PASS")
