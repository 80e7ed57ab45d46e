#!/usr/bin/env python3
"""The keys-file plugin, driven through keys_tool the way cairn loads it:
a key file's bytes are the key, exactly; every way a key file can be wrong
gets its own message; the key never shows in any output."""

import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
import unittest

BUILD = os.environ.get("CAIRN_BUILD_DIR", "")
TOOL = os.environ.get("KEYS_TOOL") or os.path.join(BUILD, "tests", "keys_tool")
PLUGIN_DIR = os.environ.get("CAIRN_PLUGIN_DIR", "")

# Every key written by these tests, to prove none of them is ever printed.
KEYS = []
OUTPUTS = []


def run(*args):
    """Runs keys_tool with -v (debug logging on, so a leak in any log line
    shows) and returns (exit status, stdout, stderr) as text."""
    env = dict(os.environ)
    p = subprocess.run([TOOL, "--plugin_dir", PLUGIN_DIR, "-v"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60)
    OUTPUTS.append(p.stdout + p.stderr)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def digest_line(key):
    return "key length %d sha256 %s" % (len(key), hashlib.sha256(key).hexdigest())


class KeysFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="cairn-keys-file-")
        os.chmod(cls.dir, 0o755)  # the unreadable-file test runs as nobody

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def write(self, name, data, mode=0o600):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        if data:
            KEYS.append(data)
        return path

    def assert_error(self, rc, out, err, *needles):
        self.assertEqual(rc, 1, "want failure, got stdout=%r stderr=%r" % (out, err))
        self.assertNotIn("key length", out)
        lines = [l for l in err.splitlines() if l.startswith("error: ")]
        self.assertEqual(len(lines), 1, err)
        for n in needles:
            self.assertIn(n, lines[0])
        return lines[0]

    def test_16_24_and_32_byte_keys_are_read_exactly(self):
        for n in (16, 24, 32):
            key = os.urandom(n)
            path = self.write("k%d" % n, key)
            rc, out, err = run("--encryption_key_file=" + path)
            self.assertEqual(rc, 0, err)
            self.assertIn("provider keys-file", out)
            self.assertIn(digest_line(key), out)

    def test_key_bytes_are_never_trimmed(self):
        # A key is raw bytes: one whose last byte is '\n', or that starts or
        # ends with spaces, must come through unchanged.
        for key in (os.urandom(31) + b"\n", b" " + os.urandom(22) + b" ", b"\n" * 16):
            path = self.write("raw%d" % len(key), key)
            rc, out, err = run("--encryption_key_file=" + path)
            self.assertEqual(rc, 0, err)
            self.assertIn(digest_line(key), out)

    def test_other_lengths_go_to_the_host_to_judge(self):
        # The provider does not judge the length; cairn refuses 20 bytes itself.
        key = os.urandom(20)
        rc, out, err = run("--encryption_key_file=" + self.write("k20", key))
        self.assertEqual(rc, 0, err)
        self.assertIn(digest_line(key), out)

    def test_trailing_newline_on_a_key_is_named_in_the_error(self):
        for n in (16, 24, 32):
            key = base64.b64encode(os.urandom(32))[:n] + b"\n"
            path = self.write("nl%d" % n, key)
            rc, out, err = run("--encryption_key_file=" + path)
            self.assert_error(rc, out, err, path,
                              "a trailing newline makes it %d bytes, not %d" % (n + 1, n))

    def test_key_file_readable_by_group_or_others_warns_naming_the_mode(self):
        key = os.urandom(32)
        for mode, who in ((0o640, "its group"), (0o604, "others"), (0o644, "group and others")):
            path = self.write("k-%o" % mode, key, mode)
            rc, out, err = run("--encryption_key_file=" + path)
            self.assertEqual(rc, 0, err)
            self.assertIn(digest_line(key), out)
            warn = [l for l in err.splitlines() if "has mode" in l]
            self.assertEqual(len(warn), 1, err)
            self.assertIn("%s has mode 0%o: it is readable by %s" % (path, mode, who), warn[0])
            self.assertIn("chmod 600", warn[0])
        for mode in (0o600, 0o400):
            path = self.write("k-%o" % mode, key, mode)
            rc, out, err = run("--encryption_key_file=" + path)
            self.assertEqual(rc, 0, err)
            self.assertNotIn("has mode", err)

    def test_missing_file_says_it_does_not_exist(self):
        path = os.path.join(self.dir, "no-such-key")
        rc, out, err = run("--encryption_key_file=" + path)
        self.assert_error(rc, out, err, 'encryption key file "%s" does not exist' % path,
                          "check encryption_key_file")

    def test_unreadable_file_says_permission_denied(self):
        path = self.write("unreadable", os.urandom(32), mode=0o000)
        if os.geteuid() == 0:
            # root reads anything: drop to nobody for this one run.
            def drop():
                os.setgid(65534)
                os.setuid(65534)
            # The build tree may sit below a directory nobody cannot enter
            # (a clone in a mktemp -d), so run a copy from one it can.
            tool = os.path.join(self.dir, "keys_tool")
            plugins = os.path.join(self.dir, "plugins")
            shutil.copy2(TOOL, tool)
            if not os.path.isdir(plugins):
                shutil.copytree(PLUGIN_DIR, plugins)
            p = subprocess.run([tool, "--plugin_dir", plugins, "-v",
                                "--encryption_key_file=" + path],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=drop, timeout=60,
                               # coverage builds: counts go where nobody may write
                               env=dict(os.environ, GCOV_PREFIX=os.path.join(tempfile.gettempdir(), "cairn-gcov-nobody")))
            OUTPUTS.append(p.stdout + p.stderr)
            rc, out, err = p.returncode, p.stdout.decode(), p.stderr.decode()
        else:
            rc, out, err = run("--encryption_key_file=" + path)
        self.assert_error(rc, out, err, 'cannot read encryption key file "%s" (permission denied)'
                          % path, "make it readable")

    def test_empty_file_says_it_is_empty(self):
        path = self.write("empty", b"")
        rc, out, err = run("--encryption_key_file=" + path)
        self.assert_error(rc, out, err, 'encryption key file "%s" is empty' % path,
                          "16, 24 or 32 bytes")

    def test_too_big_file_names_its_size(self):
        path = self.write("big", os.urandom(100))
        rc, out, err = run("--encryption_key_file=" + path)
        self.assert_error(rc, out, err, 'encryption key file "%s" is 100 bytes, too big' % path)

    def test_directory_is_refused(self):
        rc, out, err = run("--encryption_key_file=" + self.dir)
        self.assert_error(rc, out, err, "is a directory")

    def test_no_key_option_selects_no_provider(self):
        rc, out, err = run()
        self.assertEqual(rc, 0, err)
        self.assertIn("no key provider selected", out)
        rc, out, err = run("--encryption_key_file=")
        self.assertIn("no key provider selected", out)

    def test_key_file_and_vault_together_is_an_error(self):
        path = self.write("both", os.urandom(32))
        rc, out, err = run("--encryption_key_file=" + path, "--vault_roleid_file=/nonexistent")
        self.assert_error(rc, out, err, "both", "keys-file", "keys-vault",
                          "encryption_key_file", "vault_roleid_file")

    def test_zz_no_key_appears_in_any_output(self):
        # Runs last (unittest sorts by name): every output captured above.
        key = b"cairn-printable-key-0123456789ab"
        run("--encryption_key_file=" + self.write("printable", key))
        self.assertTrue(OUTPUTS)
        for o in OUTPUTS:
            self.assertNotIn(b"***", o, "something had to be scrubbed: %r" % o)
            for k in KEYS:
                if len(k) >= 8 and k.strip():
                    self.assertNotIn(k, o)
                    self.assertNotIn(k.rstrip(b"\n"), o)
                    self.assertNotIn(base64.b64encode(k), o)
                    self.assertNotIn(k.hex().encode(), o)


if __name__ == "__main__":
    unittest.main(verbosity=2)
