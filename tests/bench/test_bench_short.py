"""bench/bench.py --short exits 0 and prints its table (every row, the
targets column). Speed is the benchmark's to print, never this test's to
assert: no figure is checked."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from cairnlib import SOURCE_DIR, expect  # noqa: E402

p = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "bench", "bench.py"), "--short"],
                   capture_output=True, text=True, timeout=240)
print(p.stdout)
print(p.stderr[-4000:])
expect(p.returncode == 0, "bench.py --short exited %d" % p.returncode)
lines = p.stdout.splitlines()
expect(lines and lines[0].startswith("cairn backup benchmark:"), lines[:1])
expect("target" in lines[1] and "seconds" in lines[1], lines[1:2])
for row in ("load (", "cairn full, gzip ", "cairn full, gzip, encrypted", "cairn full, zstd ", "gzip -6 (export)",
            "pigz -p", "libdeflate-gzip -6, 1 core", "zstd -1 -T", "ceiling = libdeflate", "restic 0.14 backup",
            "cairn restore", "restic restore", "incremental after 1% change", "alpha peak RSS in backup, 1x",
            "alpha peak RSS in backup, 4x", "at rest: load, encrypted store", "at rest: export, encrypted store",
            "at rest: gzip encrypted backup, encrypted store"):
    expect(any(l.startswith(row) for l in lines), "no row %r in:\n%s" % (row, p.stdout))
print("1 passed, 0 failed")
