"""restore and verify progress: on a terminal (a pseudo-terminal as
stderr) restore redraws one line with '\r' showing bytes of the total and a
percent, prints a line per group done at 100%, and clears its line at the
end; without a terminal restore and verify print plain lines (no '\r', no
escape) ending at 100%; --quiet prints nothing at all. The location never
appears in the progress output."""
import os
import pty
import re
import select
import subprocess
import time

from cairnlib import CAIRN, PLUGIN_DIR, Alpha, Model, Zero, load_sample, run, workdir, expect

wd = workdir("restore-progress")
dest = os.path.join(wd, "backups")
zero = Zero(wd)
a1 = Alpha(wd, zero, postings=os.path.join(wd, "p-a1"))
a2 = Alpha(wd, zero, postings=os.path.join(wd, "p-a2"))
load_sample(a1, Model(), n_people=300)
lease = zero.assign("uids", 50)
a2.mutate("{ set {\n%s\n} }" % "\n".join(
    "<0x%x> <follows> <0x%x> ." % (u, lease["startId"]) for u in range(lease["startId"], lease["endId"] + 1)))
a1.backup_ok(dest)
a1.backup_ok(dest)
for p in (a1, a2, zero):
    p.stop()
pd = ["--plugin_dir", PLUGIN_DIR] if PLUGIN_DIR else []


def restore_args(into):
    return ["restore", "-l", dest, "-p", os.path.join(wd, into), "--force_zero=false"] + pd


# On a terminal: stderr is a pseudo-terminal, stdout a pipe.
master, slave = os.openpty()
proc = subprocess.Popen([CAIRN] + restore_args("r-tty"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=slave)
os.close(slave)
buf, deadline = b"", time.time() + 120
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 1.0)
    if not r:
        if proc.poll() is not None:
            break
        continue
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the child closed the terminal
        break
    if not chunk:
        break
    buf += chunk
os.close(master)
out = proc.stdout.read().decode()
expect(proc.wait(timeout=60) == 0, (out, buf))
tty = buf.decode().replace("\r\n", "\n")  # the terminal's own CR LF
expect("Restored group 1" in out and "Restored group 2" in out, out)
expect("\r" in tty, repr(tty))
expect(re.search(r"restore: \d+(\.\d)? (B|KiB|MiB) of \d+(\.\d)? (B|KiB|MiB) \(\d+%\)", tty), repr(tty))
for g in (1, 2):
    expect(re.search(r"restore: group %d \(%d of 2\) done, .* \(100%%\)" % (g, g), tty), repr(tty))
expect(re.search(r"restore: read .* \(100%\) in ", tty), repr(tty))
# The bar is cleared before the last line, which ends the output.
last = tty.rsplit("\r", 1)[1]
expect(last.startswith("\x1b[K") and last.endswith("\n") and last.count("\n") == 1, repr(tty))
expect(dest not in tty and wd not in tty, repr(tty))

# No terminal: plain lines.
p = run(restore_args("r-plain"))
expect(p.returncode == 0, p.stderr)
expect("\r" not in p.stderr and "\x1b" not in p.stderr, repr(p.stderr))
lines = [l for l in p.stderr.splitlines() if l.startswith("restore: ")]
expect(len(lines) >= 3 and lines == p.stderr.splitlines(), repr(p.stderr))
expect("group 1 (1 of 2) done" in lines[-3] and "group 2 (2 of 2) done" in lines[-2], lines)
expect("(100%)" in lines[-1] and lines[-1].startswith("restore: read "), lines)
expect(dest not in p.stderr, p.stderr)

p = run(["verify", "-l", dest] + pd)
expect(p.returncode == 0, p.stderr)
expect("\r" not in p.stderr and "\x1b" not in p.stderr, repr(p.stderr))
lines = p.stderr.splitlines()
expect(len(lines) >= 2 and all(l.startswith("verify: ") for l in lines), lines)
expect(re.search(r"verify: series \S+ done, .* \(100%\)", p.stderr), p.stderr)
expect("(100%)" in lines[-1] and lines[-1].startswith("verify: read "), lines)

# --quiet: nothing, on either stream.
p = run(restore_args("r-quiet") + ["--quiet"])
expect(p.returncode == 0 and p.stdout == "" and p.stderr == "", (p.stdout, p.stderr))
expect(os.path.isdir(os.path.join(wd, "r-quiet", "p2")))
p = run(["verify", "-l", dest, "--quiet"] + pd)
expect(p.returncode == 0 and p.stdout == "" and p.stderr == "", (p.stdout, p.stderr))
print("ok")
