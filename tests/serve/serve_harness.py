"""Runs `strata serve` for the tests of tests/serve: a fresh directory, a free port picked by the
server itself (--listen 127.0.0.1:0, the port read from its "listening on" line), bounded waits,
and small HTTP helpers. Standard library only. STRATA_BIN names the strata binary."""

import http.client
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

STRATA_BIN = os.environ.get("STRATA_BIN", "build/strata")
START_TIMEOUT = 30  # seconds; the ASan build starts slowly


class Server:
    """A `strata serve` process on 127.0.0.1. Use as a context manager, or call stop()."""

    def __init__(self, data_dir, *flags):
        self.data_dir = data_dir
        self.flags = list(flags)
        self.proc = None
        self.port = None
        self.default_headers = {}  # sent with every request(), e.g. a token
        self.stderr_path = os.path.join(os.path.dirname(data_dir.rstrip("/")) or ".",
                                        os.path.basename(data_dir.rstrip("/")) + ".stderr")
        self.start()

    def start(self):
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [STRATA_BIN, "serve", self.data_dir, "--listen", "127.0.0.1:0"] + self.flags,
            stdout=subprocess.PIPE, stderr=self._stderr)
        deadline = time.monotonic() + START_TIMEOUT
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if not ready:
                self.kill()
                raise RuntimeError("strata serve did not start within %ds: %s"
                                   % (START_TIMEOUT, self.stderr_text()))
            chunk = os.read(self.proc.stdout.fileno(), 1)
            if not chunk:
                self.proc.wait(10)
                raise RuntimeError("strata serve exited with %s: %s"
                                   % (self.proc.returncode, self.stderr_text()))
            line += chunk
        text = line.decode()
        assert "listening on http://127.0.0.1:" in text, text
        self.port = int(text.rsplit(":", 1)[1])

    def stderr_text(self):
        self._stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self, timeout=60):
        """SIGTERM, then wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        finally:
            self._stderr.close()
            self.proc.stdout.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)
        self._stderr.close()
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            rc = self.stop()
            assert rc == 0, "strata serve exited with %s: %s" % (rc, self.stderr_text())

    # ---- HTTP helpers ----

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers as a lower-case dict, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=dict(self.default_headers,
                                                               **(headers or {})))
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def write_v2(self, text, precision=None, headers=None):
        q = {"bucket": "b", "org": "o"}
        if precision:
            q["precision"] = precision
        return self.request("POST", "/api/v2/write?" + urllib.parse.urlencode(q), text,
                            headers or {"Content-Type": "text/plain; charset=utf-8"})

    def sql(self, statement):
        """The rows of a read-only statement, as lists."""
        status, _, body = self.request("POST", "/query", statement,
                                       {"Content-Type": "text/plain"})
        if status != 200:
            raise AssertionError("/query %r: %d %s" % (statement, status, body))
        return json.loads(body)["rows"]

    def count(self, table, where=""):
        """Rows of `table` (0 when there is no such table yet)."""
        status, _, body = self.request("POST", "/query",
                                       'SELECT count(*) FROM "%s" %s' % (table, where))
        if status == 400 and b"no such table" in body:
            return 0
        assert status == 200, body
        return json.loads(body)["rows"][0][0]


def free_port():
    """A port nothing listens on now (for programs that cannot pick one themselves)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.1):
    """Calls predicate() until it is true; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="strata-serve-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
