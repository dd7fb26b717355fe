"""Every fenced code block of the top-level README.md runs as written (issue 20).

Each block is either run here, by its language, or named by an HTML comment on the line before it
that says why it is not:
  <!-- readme-test: skip REASON -->              not run (it installs packages, or needs data)
  <!-- ... tests/x/y.py runs this block -->       run by that test, which must exist
Blocks run in a fresh temporary directory:
  sql     one SQLite connection (Debian's python3 sqlite3 with the extension loaded), statement by
          statement; a `-- => a|b; c|d` comment after a statement is what it must return (rows
          separated by "; ", NULL as NULL, values as SQLite's text).
  python  /usr/bin/python3 with bindings/python on PYTHONPATH; a `print(...)  # text` line says
          what the print shows.
  c       compiled as the body of main() (stdio.h and strata.h included) and run.
  sh      bash -e, with build/ (the build directory) linked in as `build`.
Also checked: the build line README.md gives for examples/c_example.c builds a program that runs
without LD_LIBRARY_PATH.
Environment: STRATA_LIBRARY (libstrata.so), STRATA_BUILD_DIR (its build directory).
"""
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
README = os.path.join(ROOT, "README.md")
LIBRARY = os.environ.get("STRATA_LIBRARY", os.path.join(ROOT, "build", "libstrata.so"))
BUILD_DIR = os.environ.get("STRATA_BUILD_DIR", os.path.dirname(LIBRARY))


def blocks(text):
    """(language, code, the line before the opening fence, line number) per fenced block."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start = i
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        before = lines[start - 1] if start > 0 else ""
        out.append((m.group(1), "\n".join(body) + "\n", before, start + 1))
        i += 1
    return out


def sql_statements(code):
    """(statement, expected rows or None) in order: a statement ends where sqlite3 says it is
    complete; `-- =>` lines after it give its rows."""
    out, pending = [], ""
    for line in code.split("\n"):
        m = re.match(r"^\s*-- =>\s?(.*)$", line)
        if m:
            if not out or pending.strip():
                raise AssertionError("a '-- =>' line must follow a complete statement: " + line)
            want = [] if m.group(1).strip() == "" else [r.strip() for r in m.group(1).split("; ")]
            out[-1] = (out[-1][0], want)
            continue
        pending += line + "\n"
        if sqlite3.complete_statement(pending):
            out.append((pending.strip(), None))
            pending = ""
    if pending.strip() and not re.fullmatch(r"(\s*--[^\n]*\n?)*", pending):
        raise AssertionError("incomplete SQL at the end of the block: " + pending)
    return out


def as_text(value):
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e15 else "%.1f" % value
    return str(value)


class ReadmeBlocksTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(README) as f:
            cls.blocks = blocks(f.read())

    def in_temp_dir(self):
        d = tempfile.TemporaryDirectory(prefix="strata-readme-")
        self.addCleanup(d.cleanup)
        return d.name

    def run_sql(self, code, where):
        conn = sqlite3.connect(os.path.join(where, "readme.db"), isolation_level=None)  # as the shell
        try:
            conn.enable_load_extension(True)
            conn.load_extension(os.path.splitext(LIBRARY)[0])
            for stmt, want in sql_statements(code):
                try:
                    rows = conn.execute(stmt).fetchall()
                except sqlite3.Error as e:
                    self.fail("README SQL failed: %s\n%s" % (e, stmt))
                if want is not None:
                    got = ["|".join(as_text(v) for v in r) for r in rows]
                    self.assertEqual(got, want, stmt)
            conn.commit()
        finally:
            conn.close()

    def run_python(self, code, where):
        expected = re.findall(r"^\s*print\(.*\)\s*# (.*)$", code, re.M)
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "bindings", "python"),
                   STRATA_LIBRARY=LIBRARY, PYTHONDONTWRITEBYTECODE="1")
        out = subprocess.run(["/usr/bin/python3", "-c", code], cwd=where, env=env,
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        if expected:
            self.assertEqual(out.stdout.splitlines(), expected)

    def build_c(self, source, where, extra_flags=()):
        exe = os.path.join(where, "prog")
        cmd = ["cc", "-std=c99", "-Wall", "-Werror", source, "-I" + os.path.join(ROOT, "abi", "include"),
               "-L" + BUILD_DIR, "-lstrata", "-Wl,-rpath," + BUILD_DIR, "-o", exe, *extra_flags]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return exe

    def run_c(self, code, where):
        source = os.path.join(where, "block.c")
        with open(source, "w") as f:
            f.write('#include <stdio.h>\n#include "strata.h"\nint main(void) {\n' + code +
                    "  return 0;\n}\n")
        exe = self.build_c(source, where)
        out = subprocess.run([exe], cwd=where, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(out.stdout, "")  # it prints only strata_errmsg() on a failure

    def run_sh(self, code, where):
        os.symlink(BUILD_DIR, os.path.join(where, "build"))
        out = subprocess.run(["bash", "-e", "-c", code], cwd=where, capture_output=True, text=True,
                             timeout=300)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_every_block_runs_or_says_why_not(self):
        self.assertTrue(self.blocks)
        runners = {"sql": self.run_sql, "python": self.run_python, "c": self.run_c,
                   "sh": self.run_sh}
        ran = 0
        for lang, code, before, line in self.blocks:
            with self.subTest(block="README.md:%d (%s)" % (line, lang)):
                skip = re.match(r"^<!-- readme-test: skip (.+) -->$", before.strip())
                elsewhere = re.match(r"^<!--.*\b(tests/[\w/.-]+) runs this block.*-->$",
                                     before.strip())
                if skip:
                    continue
                if elsewhere:
                    self.assertTrue(os.path.exists(os.path.join(ROOT, elsewhere.group(1))),
                                    elsewhere.group(1))
                    continue
                self.assertIn(lang, runners, "a block in a language this test cannot run: mark "
                              "it <!-- readme-test: skip REASON -->")
                runners[lang](code, self.in_temp_dir())
                ran += 1
        self.assertGreaterEqual(ran, 3)

    def test_the_c_example_builds_as_the_readme_says_and_runs(self):
        with open(README) as f:
            text = " ".join(f.read().split())
        m = re.search(r"`(cc -std=c99 examples/c_example\.c [^`]*)`", text)
        self.assertIsNotNone(m, "README.md gives no build line for examples/c_example.c")
        where = self.in_temp_dir()
        os.symlink(BUILD_DIR, os.path.join(where, "build"))
        for d in ("examples", "abi"):
            os.symlink(os.path.join(ROOT, d), os.path.join(where, d))
        env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
        out = subprocess.run(["bash", "-e", "-c", m.group(1) + " -o c_example && ./c_example data"],
                             cwd=where, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
