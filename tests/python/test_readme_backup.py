"""The "Backup and restore" block of the top-level README runs as written (with this build's
library and CLI), and does what its comments say."""
import os
import shutil
import subprocess
import tempfile
import unittest

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


class ReadmeBackupTest(unittest.TestCase):
    def test_the_backup_block_runs(self):
        if shutil.which("sqlite3") is None:
            self.skipTest("the sqlite3 shell is not installed")
        library, cli = os.environ.get("STRATA_LIBRARY"), os.environ.get("STRATA_CLI")
        if not library or not cli:
            self.skipTest("STRATA_LIBRARY and STRATA_CLI are set by ctest")
        with open(README) as f:
            text = f.read()
        block = text.split("<!-- backup example", 1)[1].split("```sh\n", 1)[1].split("```")[0]
        script = "set -e\n" + block.replace("build/libstrata", library).replace("build/strata", cli)
        root = tempfile.mkdtemp(prefix="strata-readme-backup-")
        self.addCleanup(shutil.rmtree, root, True)
        out = subprocess.run(["bash", "-c", script], cwd=root, capture_output=True, text=True,
                             timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("a|12.5", out.stdout.splitlines())
        for made in ("backup/metrics.db", "backup/metrics.db.strata/STRATA",
                     "nightly.strata/STRATA"):
            self.assertTrue(os.path.exists(os.path.join(root, made)), made)
        self.assertEqual([n for n in os.listdir(root) if ".tmp-" in n], [])


if __name__ == "__main__":
    unittest.main()
