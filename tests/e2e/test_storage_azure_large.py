"""storage-azure streams a large object with bounded memory: `cairn
storage-check --large_mb N` against Azurite writes an N MiB blob in
odd-sized chunks through Put Block (several blocks in flight) and Put Block
List, reads it back with ranged GETs and compares SHA-256; the cairn
process's peak resident memory (/usr/bin/time -v) stays under a generous
bound and is printed. N is the first argument, 1024 (1 GiB) unless given
(256, unbounded, under the sanitizers): about 40 s here, so it runs in the
suite."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
import azurite  # noqa: E402

from cairnlib import CAIRN, LOG_ROOT, PLUGIN_DIR, SANITIZE, expect, note_secret, sanitizer_clean  # noqa: E402

# Under AddressSanitizer (shadow memory, a 256 MiB quarantine) RSS says
# nothing of the driver: a smaller object, its peak printed, not bounded.
MB = int(sys.argv[1]) if len(sys.argv) > 1 else (256 if SANITIZE else 1024)
BOUND_MB = 300

az = azurite.Azurite().start()
try:
    note_secret(azurite.KEY)
    az.create_container("large")
    started = time.time()
    p = subprocess.run(["/usr/bin/time", "-v", CAIRN, "storage-check", az.uri("large", "big"),
                        "--plugin_dir", PLUGIN_DIR, "--large_mb", str(MB), "--objects", "50"],
                       capture_output=True, text=True, env=az.env(), timeout=1800)
    secs = time.time() - started
    with open(os.path.join(LOG_ROOT, "cli.log"), "a") as f:
        f.write("$ cairn storage-check (large %d MiB)\n%s%s\n" % (MB, p.stdout, p.stderr))
    print(p.stdout)
    sanitizer_clean(p.stdout + p.stderr, "cairn storage-check --large_mb %d" % MB)
    expect(p.returncode == 0, (p.stdout, p.stderr[-3000:]))
    line = [x for x in p.stdout.splitlines() if x.split()[:2] == ["PASS", "large-stream"]]
    expect(line and int(line[0].split()[2]) >= MB * 2**20, p.stdout)
    rss_kb = [int(x.split(":")[1]) for x in p.stderr.splitlines() if "Maximum resident set size" in x]
    expect(rss_kb, p.stderr[-2000:])
    peak = rss_kb[0] / 1024
    print("large-stream of %d MiB: cairn peak RSS %.1f MiB (%s), %.1f s for the whole check "
          "(noisy: the machine is shared)"
          % (MB, peak, "not bounded under the sanitizers" if SANITIZE else "bound %d MiB" % BOUND_MB, secs))
    expect(SANITIZE or peak < BOUND_MB, "cairn's peak RSS %.1f MiB is over %d MiB for a %d MiB object" % (peak, BOUND_MB, MB))
    expect(az.blobs("large") == {}, az.blobs("large"))
finally:
    az.stop()
print("1 passed, 0 failed")
