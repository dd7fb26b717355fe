"""The InfluxDB 2.x JavaScript client (npm @influxdata/influxdb-client, tests/serve/js) writes to
`strata serve`; the rows are then checked through the server's SQL endpoint. The npm package is
installed with `npm ci` from the lock file into STRATA_JS_DIR (a build folder), once per lock."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from serve_harness import Server, TempDir

HERE = os.path.dirname(os.path.abspath(__file__))
# Never the source folder: the package is installed where the tests run, not kept in the tree.
JS_DIR = os.environ.get("STRATA_JS_DIR",
                        os.path.join(tempfile.gettempdir(), "strata-serve-js-client"))


def prepare_js_dir():
    """Copies the package files to JS_DIR and runs `npm ci` there unless the lock is unchanged."""
    src = os.path.join(HERE, "js")
    os.makedirs(JS_DIR, exist_ok=True)
    if os.path.abspath(src) != os.path.abspath(JS_DIR):
        for name in ("package.json", "package-lock.json", "write_test.mjs"):
            shutil.copyfile(os.path.join(src, name), os.path.join(JS_DIR, name))
    stamp = os.path.join(JS_DIR, "node_modules", ".strata-lock")
    with open(os.path.join(JS_DIR, "package-lock.json")) as f:
        lock = f.read()
    if os.path.exists(stamp) and open(stamp).read() == lock:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True,
                   timeout=600)
    with open(stamp, "w") as f:
        f.write(lock)


class JsClientTest(unittest.TestCase):
    def test_the_influxdb_2_javascript_client_writes(self):
        prepare_js_dir()
        with TempDir() as root:
            with Server(os.path.join(root, "data")) as server:
                out = subprocess.run(["node", "write_test.mjs"], cwd=JS_DIR, check=True,
                                     timeout=300, capture_output=True, text=True,
                                     env=dict(os.environ, STRATA_URL=server.url)).stdout
                result = json.loads(out)
                self.assertEqual(result["points"], 3000)
                self.assertIn("line 2", result["bad_line_error"])
                self.assertEqual(server.count("js_plain"), 1000)
                self.assertEqual(server.count("js_gzip"), 2000)
                self.assertEqual(server.count("js_bad"), 0)
                rows = server.sql("SELECT time, host, dc, v, n, ok, s FROM js_plain "
                                  "WHERE host = 'host 7' ORDER BY time LIMIT 2")
                self.assertEqual(rows, [
                    [1700000007 * 10**9, "host 7", "us=2", 7.5, -7, 0,
                     'say "hi"\nline 7 \\ done'],
                    [1700000017 * 10**9, "host 7", "us=2", 17.5, -17, 0,
                     'say "hi"\nline 17 \\ done']])
                self.assertEqual(server.sql("SELECT count(*) FROM js_plain WHERE dc = 'eu,1'"),
                                 [[334]])
                self.assertEqual(server.sql(
                    "SELECT min(time), max(time), sum(v) FROM js_gzip"),
                    [[1700000000 * 10**9, 1700000000 * 10**9 + 1999, float(sum(range(2000)))]])


if __name__ == "__main__":
    unittest.main()
