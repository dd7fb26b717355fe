"""`strata serve`: the InfluxDB write API, its statuses and error bodies, and the bad requests of
issue 17 (malformed bodies, truncated gzip, wrong content types, oversized bodies, slow clients,
concurrent writers, too many requests, tokens, shutdown). After every refused request the test
checks that nothing of it was stored."""

import gzip
import http.client
import json
import os
import socket
import subprocess
import threading
import time
import unittest
import urllib.parse

from serve_harness import Server, TempDir, free_port, wait_until

T0 = 1_700_000_000  # seconds


class ServeTestCase(unittest.TestCase):
    flags = ()

    def setUp(self):
        self._tmp = TempDir()
        root = self._tmp.__enter__()
        self.dir = os.path.join(root, "data")
        self.server = Server(self.dir, *self.flags)

    def tearDown(self):
        try:
            self.server.__exit__(None, None, None)
        finally:
            self._tmp.__exit__(None, None, None)


class WriteApiTest(ServeTestCase):
    def test_ping_and_health(self):
        status, headers, body = self.server.request("GET", "/ping")
        self.assertEqual(status, 204)
        self.assertTrue(headers["x-influxdb-version"].startswith("strata-"))
        status, _, body = self.server.request("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["status"], "pass")

    def test_v1_write_with_each_precision(self):
        s = self.server
        for precision, stamp in (("s", T0), ("ms", T0 * 1000 + 1), ("u", T0 * 10**6 + 2),
                                 ("us", T0 * 10**6 + 3), ("n", T0 * 10**9 + 4),
                                 ("ns", T0 * 10**9 + 5), (None, T0 * 10**9 + 6)):
            q = {"db": "x"}
            if precision:
                q["precision"] = precision
            status, _, body = s.request("POST", "/write?" + urllib.parse.urlencode(q),
                                        "cpu,host=a v=1 %d\n" % stamp)
            self.assertEqual(status, 204, body)
        ns = T0 * 10**9
        self.assertEqual(s.sql("SELECT time FROM cpu ORDER BY time"),
                         [[ns], [ns + 4], [ns + 5], [ns + 6], [ns + 2000], [ns + 3000],
                          [ns + 1000000]])

    def test_v2_write_plain_and_gzip_with_every_value_type(self):
        s = self.server
        text = ('m,host=a f=1.5,i=-3i,u=7u,b=true,s="x y\\"z" %d\n'
                'm,host=b f=2 %d\n' % (T0, T0 + 1))
        status, _, body = s.write_v2(text, precision="s")
        self.assertEqual(status, 204, body)
        gz = gzip.compress(b"m,host=c f=3 %d\n" % (T0 + 2))
        status, _, body = s.write_v2(gz, precision="s", headers={"Content-Encoding": "gzip"})
        self.assertEqual(status, 204, body)
        self.assertEqual(s.sql("SELECT host, f, i, u, b, s FROM m ORDER BY time"),
                         [["a", 1.5, -3, 7, 1, 'x y"z'], ["b", 2.0, None, None, None, None],
                          ["c", 3.0, None, None, None, None]])

    def test_lines_without_time_get_the_servers_time_in_the_precision(self):
        before = time.time_ns()
        status, _, _ = self.server.write_v2("m v=1\n", precision="ms")
        self.assertEqual(status, 204)
        (t,), = self.server.sql("SELECT time FROM m")
        self.assertEqual(t % 1_000_000, 0)
        self.assertGreaterEqual(t, before - before % 1_000_000)
        self.assertLessEqual(t, time.time_ns())

    def test_a_request_is_one_batch_across_measurements_and_days(self):
        lines = "".join("m%d,h=a v=%d %d\n" % (i % 3, i, T0 + i * 86400) for i in range(30))
        self.assertEqual(self.server.write_v2(lines, precision="s")[0], 204)
        self.assertEqual(sum(self.server.count("m%d" % k) for k in range(3)), 30)

    def test_query_csv_and_read_only(self):
        s = self.server
        s.write_v2('m,host=a v=1,t="a,b" 1\n')
        status, headers, body = s.request("POST", "/query?format=csv", "SELECT host, v, t FROM m")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/csv"))
        self.assertEqual(body, b'host,v,t\r\na,1.0,"a,b"\r\n')
        for statement in ("DELETE FROM m", "INSERT INTO m(time, host, v) VALUES (2, 'b', 2)",
                          "DROP TABLE m", "ATTACH 'x.db' AS x", "PRAGMA table_info(m)",
                          "SELECT strata_flush()", "SELECT 1; DELETE FROM m",
                          "CREATE TABLE t(x)"):
            status, _, body = s.request("POST", "/query", statement)
            self.assertEqual(status, 400, statement)
            self.assertIn("error", json.loads(body))
        self.assertEqual(s.sql("SELECT count(*) FROM m"), [[1]])
        self.assertEqual(s.sql("SELECT v FROM m")[0][0], 1.0)

    def test_the_query_sees_new_measurements_tags_and_fields(self):
        s = self.server
        s.write_v2("a v=1 1\n")
        self.assertEqual(s.sql("SELECT count(*) FROM a"), [[1]])
        s.write_v2("a,host=x w=2i 2\nb v=1 1\n")
        self.assertEqual(s.sql("SELECT host, v, w FROM a ORDER BY time"),
                         [[None, 1.0, None], ["x", None, 2]])
        self.assertEqual(s.sql("SELECT count(*) FROM b"), [[1]])


class ReadmeExampleTest(unittest.TestCase):
    def test_the_readme_serve_example_runs(self):
        """The block after README's "serve example" marker, with its port made a free one."""
        readme = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
        with open(readme) as f:
            text = f.read()
        block = text.split("<!-- serve example", 1)[1].split("```sh\n", 1)[1].split("```")[0]
        port = str(free_port())
        script = "set -e\n" + block.replace("build/strata", os.environ["STRATA_BIN"]).replace(
            "8086", port) + "wait\n"
        with TempDir() as root:
            out = subprocess.run(["bash", "-c", script], cwd=root, capture_output=True,
                                 text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn('{"columns":["host","usage"],"rows":[["a",1.5]]}', out.stdout)


class BadRequestTest(ServeTestCase):
    flags = ("--max-body-bytes", "64K", "--request-timeout", "2", "--idle-timeout", "2")

    def assertNothingStored(self, table="m"):
        self.assertEqual(self.server.count(table), 0)

    def test_malformed_body_names_the_first_bad_line_and_stores_nothing(self):
        text = "m v=1 1\nm v=2 2\nm v=oops 3\nm v=4 4\n"
        status, _, body = self.server.write_v2(text)
        self.assertEqual(status, 400)
        error = json.loads(body)
        self.assertEqual(error["code"], "invalid")
        self.assertEqual(error["line"], 3)
        self.assertIn("line 3, column 5: invalid field value", error["message"])
        status, headers, body = self.server.request("POST", "/write?db=x", text)
        self.assertEqual(status, 400)
        self.assertIn("line 3", json.loads(body)["error"])
        self.assertIn("line 3", headers["x-influxdb-error"])
        self.assertNothingStored()

    def test_each_reference_rule_is_refused_over_http(self):
        for text in ("m\tv=1 1\n", "m,t=a\x01 v=1 1\n", 'm s="\xff" 1\n', "m v=1\rm v=2\n"):
            body = text.encode("latin-1")
            status, _, _ = self.server.write_v2(body)
            self.assertEqual(status, 400, text)
        self.assertNothingStored()
        self.assertEqual(self.server.write_v2("m v=1 1\r")[0], 204)  # a CR ends the last line

    def test_truncated_and_corrupt_gzip_store_nothing(self):
        lines = b"".join(b"m,h=a v=%d %d\n" % (i, i + 1) for i in range(2000))
        gz = gzip.compress(lines)
        for body in (gz[:len(gz) // 2], gz[:-4], gz[:10], b"not gzip at all",
                     gz[:50] + bytes(50) + gz[100:], b""):
            status, _, reply = self.server.write_v2(body, headers={"Content-Encoding": "gzip"})
            self.assertEqual(status, 400, reply)
            self.assertIn("gzip", json.loads(reply)["message"])
        self.assertNothingStored()
        self.assertEqual(self.server.write_v2(gz, headers={"Content-Encoding": "gzip"})[0], 204)
        self.assertEqual(self.server.count("m"), 2000)

    def test_wrong_content_types_and_encodings_get_415(self):
        for headers in ({"Content-Type": "application/json"},
                        {"Content-Type": "application/x-protobuf"},
                        {"Content-Encoding": "br"}, {"Content-Encoding": "snappy"}):
            status, _, body = self.server.write_v2("m v=1 1\n", headers=headers)
            self.assertEqual(status, 415, headers)
            self.assertEqual(json.loads(body)["code"], "unsupported media type")
        for headers in ({"Content-Type": "text/plain", "Content-Encoding": "snappy"},
                        {"Content-Type": "application/x-protobuf"},
                        {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}):
            status, _, _ = self.server.request("POST", "/api/v1/write", b"x", headers)
            self.assertEqual(status, 415, headers)
        self.assertNothingStored()

    def test_oversized_bodies_get_413(self):
        big = "".join("m,h=a v=%d %d\n" % (i, i + 1) for i in range(10000)).encode()
        self.assertGreater(len(big), 64 << 10)
        status, _, body = self.server.write_v2(big)  # declared by Content-Length
        self.assertEqual(status, 413)
        self.assertEqual(json.loads(body)["code"], "request too large")
        # Sent chunked, without a length: refused once over the limit.
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        conn.request("POST", "/api/v2/write?bucket=b", body=iter([big[:40000], big[40000:]]))
        self.assertEqual(conn.getresponse().status, 413)
        conn.close()
        # Small compressed, large inflated.
        bomb = gzip.compress(b"m v=1 1\n" + b"#" * (1 << 20) + b"\n")
        self.assertLess(len(bomb), 64 << 10)
        status, _, body = self.server.write_v2(bomb, headers={"Content-Encoding": "gzip"})
        self.assertEqual(status, 413)
        self.assertNothingStored()

    def test_missing_names_bad_precision_paths_and_methods(self):
        s = self.server
        self.assertEqual(s.request("POST", "/write", "m v=1 1\n")[0], 400)  # no db
        self.assertEqual(s.request("POST", "/api/v2/write", "m v=1 1\n")[0], 400)  # no bucket
        self.assertEqual(s.write_v2("m v=1 1\n", precision="h")[0], 400)
        self.assertEqual(s.request("POST", "/write?db=x&precision=m", "m v=1 1\n")[0], 400)
        self.assertEqual(s.request("GET", "/nowhere")[0], 404)
        self.assertEqual(s.request("GET", "/api/v2/write?bucket=b")[0], 405)
        self.assertEqual(s.request("POST", "/ping")[0], 405)
        self.assertNothingStored()

    def test_type_conflicts_store_nothing(self):
        self.assertEqual(self.server.write_v2("m v=1i 1\n")[0], 204)
        status, _, body = self.server.write_v2("m,h=b w=2i 2\nm v=1.5 3\n")
        self.assertEqual(status, 422)
        self.assertIn("v", json.loads(body)["message"])
        self.assertEqual(self.server.request("POST", "/write?db=x", "m w=1i 5\nm v=2.5 6\n")[0],
                         400)
        self.assertEqual(self.server.count("m"), 1)

    def test_a_slow_client_is_cut_off_and_others_are_served(self):
        slow = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
        slow.sendall(b"POST /api/v2/write?bucket=b HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 1000\r\n\r\nm v=1 1\n")
        started = time.monotonic()
        # Meanwhile another client is served.
        self.assertEqual(self.server.write_v2("n v=1 1\n")[0], 204)
        # The slow one is dropped after the idle timeout, its request unanswered and not stored.
        data = b""
        while True:
            chunk = slow.recv(4096)
            if not chunk:
                break
            data += chunk
        slow.close()
        self.assertLess(time.monotonic() - started, 20)
        self.assertNotIn(b"204", data)
        self.assertNothingStored()
        # One that trickles bytes past the request timeout gets 408.
        slow = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
        slow.sendall(b"POST /api/v2/write?bucket=b HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 60\r\n\r\n")
        deadline = time.monotonic() + 3.5
        sent = 0
        while time.monotonic() < deadline and sent < 59:
            slow.sendall(b"#")
            sent += 1
            time.sleep(0.5)
        slow.sendall(b"#" * (59 - sent) + b"\n")
        reply = slow.recv(4096)
        slow.close()
        self.assertIn(b" 408 ", reply.split(b"\r\n")[0])

    def test_concurrent_writers_all_land_whole(self):
        writers, requests, lines = 8, 15, 50
        failures = []

        def write(w):
            for r in range(requests):
                text = "".join("m,w=%d,r=%d v=%d %d\n" % (w, r, i, i + 1) for i in range(lines))
                status, _, body = self.server.write_v2(text)
                if status != 204:
                    failures.append((status, body))

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(failures, [])
        self.assertEqual(self.server.count("m"), writers * requests * lines)
        self.assertEqual(self.server.sql(
            "SELECT count(*) FROM (SELECT w, r, count(*) AS n FROM m GROUP BY w, r) "
            "WHERE n = %d" % lines), [[writers * requests]])


class LimitsTest(ServeTestCase):
    flags = ("--max-requests", "2", "--request-timeout", "30", "--idle-timeout", "30")

    def test_requests_over_the_bound_get_503_at_once(self):
        slow = []
        for _ in range(2):
            c = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
            c.sendall(b"POST /api/v2/write?bucket=b HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 16\r\n\r\nm v=1 1\n")
            slow.append(c)
        # /health does not count toward the bound, and tells when both are in progress.
        wait_until(lambda: json.loads(self.server.request("GET", "/health")[2])[
            "requests_in_progress"] == 2, 30, "two requests in progress")
        started = time.monotonic()
        status, headers, body = self.server.write_v2("n v=1 1\n")
        self.assertEqual(status, 503)
        self.assertEqual(headers["retry-after"], "1")
        self.assertEqual(json.loads(body)["code"], "unavailable")
        self.assertLess(time.monotonic() - started, 5)
        for c in slow:  # finish them: both are stored
            c.sendall(b"m v=2 2\n")
            self.assertIn(b" 204 ", c.recv(4096).split(b"\r\n")[0])
            c.close()
        self.assertEqual(self.server.count("n"), 0)
        self.assertEqual(self.server.count("m"), 2)
        # A request leaves the count once libmicrohttpd reports it complete, just after its
        # response is sent: a write right after the 204s may still find the bound full.
        wait_until(lambda: json.loads(self.server.request("GET", "/health")[2])[
            "requests_in_progress"] == 0, 30, "no request in progress")
        self.assertEqual(self.server.write_v2("n v=1 1\n")[0], 204)


class TokenTest(ServeTestCase):
    def setUp(self):
        self._tmp = TempDir()
        root = self._tmp.__enter__()
        with open(os.path.join(root, "token"), "w") as f:
            f.write("s3cret\n")
        self.dir = os.path.join(root, "data")
        self.server = Server(self.dir, "--token-file", os.path.join(root, "token"))

    def test_writes_and_queries_need_the_token(self):
        s = self.server
        status, headers, body = s.write_v2("m v=1 1\n")
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body)["code"], "unauthorized")
        self.assertEqual(s.write_v2("m v=1 1\n", headers={"Authorization": "Token wrong"})[0],
                         401)
        self.assertEqual(s.request("POST", "/write?db=x&p=wrong", "m v=1 1\n")[0], 401)
        self.assertEqual(s.request("POST", "/query", "SELECT 1")[0], 401)
        self.assertEqual(s.request("GET", "/ping")[0], 204)  # no token needed
        ok = [s.write_v2("m v=1 1\n", headers={"Authorization": "Token s3cret"}),
              s.write_v2("m v=2 2\n", headers={"Authorization": "Bearer s3cret"}),
              s.request("POST", "/write?db=x&u=me&p=s3cret", "m v=3 3\n"),
              s.request("POST", "/write?db=x", "m v=4 4\n",
                        {"Authorization": "Basic bWU6czNjcmV0"})]  # me:s3cret
        self.assertEqual([r[0] for r in ok], [204] * 4)
        status, _, body = s.request("POST", "/query", "SELECT count(*) FROM m",
                                    {"Authorization": "Bearer s3cret"})
        self.assertEqual((status, json.loads(body)["rows"]), (200, [[4]]))


class ShutdownTest(ServeTestCase):
    def in_progress(self):
        return json.loads(self.server.request("GET", "/health")[2])["requests_in_progress"]

    def test_sigterm_finishes_requests_in_progress_and_refuses_new_writes(self):
        c = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
        c.sendall(b"POST /api/v2/write?bucket=b HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Length: 16\r\n\r\nm v=1 1\n")
        wait_until(lambda: self.in_progress() == 1, 30, "the request in progress")
        idle = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        idle.request("GET", "/ping")  # a kept-alive connection, open before the signal
        self.assertEqual(idle.getresponse().read(), b"")
        self.server.proc.send_signal(15)

        def refused():
            try:
                socket.create_connection(("127.0.0.1", self.server.port), timeout=5).close()
                return False
            except (ConnectionRefusedError, ConnectionResetError):
                # Reset: the SYN reached the listening socket just as it closed.
                return True

        wait_until(refused, 30, "new connections refused")
        idle.request("POST", "/api/v2/write?bucket=b", b"n v=1 1\n")
        self.assertEqual(idle.getresponse().status, 503)
        idle.close()
        c.sendall(b"m v=2 2\n")
        self.assertIn(b" 204 ", c.recv(4096).split(b"\r\n")[0])
        c.close()
        self.assertEqual(self.server.stop(), 0)  # already stopping: waits and closes its pipes
        self.server = Server(self.dir)
        self.assertEqual(self.server.count("m"), 2)


if __name__ == "__main__":
    unittest.main()
