"""The InfluxDB 1.x Python client (Debian's python3-influxdb) writes to `strata serve`: points in
each of its time precisions, batched, gzipped or not, with a token; the rows are then checked
through the server's SQL endpoint. (The client's query() speaks InfluxQL, which Strata does not.)"""

import os
import unittest

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBClientError

from serve_harness import Server, TempDir

T0 = 1_700_000_000  # seconds


class PythonClientTest(unittest.TestCase):
    def setUp(self):
        self._tmp = TempDir()
        root = self._tmp.__enter__()
        token = os.path.join(root, "token")
        with open(token, "w") as f:
            f.write("tok\n")
        self.server = Server(os.path.join(root, "data"), "--token-file", token)
        self.server.default_headers = {"Authorization": "Bearer tok"}

    def tearDown(self):
        try:
            self.server.__exit__(None, None, None)
        finally:
            self._tmp.__exit__(None, None, None)

    def client(self, password="tok", **kw):
        c = InfluxDBClient("127.0.0.1", self.server.port, "user", password, "db", **kw)
        self.addCleanup(c.close)
        return c

    def test_points_in_every_precision_batched_and_gzipped(self):
        self.assertTrue(self.client().ping().startswith("strata-"))
        scale = {"s": 1, "ms": 10**3, "u": 10**6, "n": 10**9}
        for gz in (False, True):
            c = self.client(gzip=gz)
            for precision, k in scale.items():
                points = [{"measurement": "py", "time": (T0 + i) * k,
                           "tags": {"host": "h %d" % (i % 5), "gz": str(gz), "p": precision},
                           "fields": {"v": i + 0.25, "n": i, "ok": i % 2 == 0,
                                      "s": 'a "b",c=d\nline %d' % i}}
                          for i in range(500)]
                self.assertTrue(c.write_points(points, time_precision=precision,
                                               batch_size=120))
        s = self.server
        self.assertEqual(s.count("py"), 2 * 4 * 500)
        self.assertEqual(s.sql("SELECT count(DISTINCT time) FROM py"), [[500]])
        self.assertEqual(
            s.sql("SELECT time, host, v, n, ok, s FROM py WHERE p = 'ms' AND gz = 'True' "
                  "AND time = %d" % ((T0 + 3) * 10**9)),
            [[(T0 + 3) * 10**9, "h 3", 3.25, 3, 0, 'a "b",c=d\nline 3']])

    def test_line_protocol_and_errors_reach_the_client(self):
        c = self.client()
        self.assertTrue(c.write(["py_lines,host=a v=1 %d" % T0, "py_lines,host=b v=2 %d" % T0],
                                params={"db": "db", "precision": "s"}, protocol="line"))
        self.assertEqual(self.server.count("py_lines"), 2)
        with self.assertRaises(InfluxDBClientError) as e:
            c.write(["py_lines v=1 1", "py_lines v=oops 2"], params={"db": "db"},
                    protocol="line")
        self.assertEqual(e.exception.code, 400)
        self.assertIn("line 2", str(e.exception))
        with self.assertRaises(InfluxDBClientError) as e:
            self.client(password="wrong").write_points(
                [{"measurement": "py_lines", "fields": {"v": 1.0}}])
        self.assertEqual(e.exception.code, 401)
        self.assertEqual(self.server.count("py_lines"), 2)


if __name__ == "__main__":
    unittest.main()
