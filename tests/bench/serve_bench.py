#!/usr/bin/env python3
"""Ingest through `strata serve` against `strata import` on the same data (issue 17's target:
HTTP at least 70% of import's points/s). Prints one table of medians.

  python3 tests/bench/serve_bench.py [--data cpu.lp] [--repeat 3] [--strata build/strata]

Data: line protocol, by default generated with
  python3 ../shared/bench/tsbs_cpu.py --hosts 100 --hours 24 --format line > cpu.lp
(8.64 M points: 864,000 lines of 10 fields). Every run writes into a fresh directory with the
default options (sync=full: each batch is fsynced before it is acknowledged), 5,000 lines per
batch or request, and each round runs every mode once, in turn, so that the machine's drift
weighs on all of them alike. Modes:
  import        `strata import --no-flush DIR FILE` (one thread parses and writes)
  http-1        one keep-alive connection POSTing 5,000-line bodies to /api/v2/write, in turn
  http-2        the same bodies over two connections at once
  http-gzip-2   the bodies gzipped beforehand (level 1), two connections
  influx-py     Debian's python3-influxdb client: write_points(lines, protocol='line',
                batch_size=5000) from one thread, as an application would
  influx-js     npm @influxdata/influxdb-client: writeRecords with batchSize 5000 (the client
                gzips bodies over 1000 bytes, as it does by default); needs tests/serve/js
                installed (the serve.js_client test installs it into build/tests/serve/js);
                each batch is flushed before the next is written (left to itself the client
                sends every batch at once, and close() drops those the server's bound on
                requests in progress refused with 503 before their retry)
  influx-js-plain  the same client with gzip turned off (gzipThreshold above any body)
Client-side work (splitting, compressing beforehand) is outside the timed part for http-*; the
clients' own work is inside it for influx-*, which share the machine's two cores with the server.
The last column is the CPU time of the process that ingests (strata import, or strata serve
from its start to its stop), which the machine's drift disturbs less than the wall time.
"""

import argparse
import gzip
import resource
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "serve"))
from serve_harness import Server  # noqa: E402

LINES_PER_BATCH = 5000


def split_batches(data):
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [b"\n".join(lines[i:i + LINES_PER_BATCH]) + b"\n"
            for i in range(0, len(lines), LINES_PER_BATCH)]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# The CPU seconds of the last strata process run: set by run_import and ServerCpu.
last_cpu = [0.0]


class ServerCpu:
    """Server(...) that records the server process's CPU time when it stops."""

    def __init__(self, strata_dir, *flags):
        self.server = Server(strata_dir, *flags)

    def __enter__(self):
        self.before = children_cpu()
        return self.server

    def __exit__(self, *exc):
        before = children_cpu()
        self.server.__exit__(*exc)  # waits for the process, so its usage joins the children's
        last_cpu[0] = children_cpu() - before


def run_import(strata, path, work):
    d = os.path.join(work, "import")
    before = children_cpu()
    t0 = time.perf_counter()
    subprocess.run([strata, "import", "--no-flush", "--batch-lines", str(LINES_PER_BATCH), d,
                    path], check=True, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    last_cpu[0] = children_cpu() - before
    return elapsed


def post_all(server, bodies, connections, headers):
    errors = []

    def send(part):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        for body in part:
            conn.request("POST", "/api/v2/write?bucket=b", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status != 204:
                errors.append(r.status)
        conn.close()

    parts = [bodies[i::connections] for i in range(connections)]
    threads = [threading.Thread(target=send, args=(p,)) for p in parts]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise RuntimeError("writes failed: %s" % errors[:5])
    return elapsed


def run_http(strata_dir, bodies, connections, gzipped):
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    with ServerCpu(strata_dir) as server:
        return post_all(server, bodies, connections, headers)


def run_influx_py(strata_dir, lines):
    from influxdb import InfluxDBClient
    with ServerCpu(strata_dir) as server:
        client = InfluxDBClient("127.0.0.1", server.port, database="bench", timeout=600)
        t0 = time.perf_counter()
        client.write_points(lines, protocol="line", batch_size=LINES_PER_BATCH)
        elapsed = time.perf_counter() - t0
        client.close()
        return elapsed


JS_BENCH = r"""
// argv: data file, then "gzip" or "plain"
import {InfluxDB} from '@influxdata/influxdb-client'
import {readFileSync} from 'node:fs'
const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.length > 0)
const api = new InfluxDB({url: process.env.STRATA_URL, token: 'x', timeout: 600000})
    .getWriteApi('org', 'bucket', 'ns', {batchSize: 5000, flushInterval: 0, maxRetries: 20,
                                         maxBufferLines: 1e7,
                                         gzipThreshold: process.argv[3] === 'gzip' ? 1000 : 1e12})
const t0 = process.hrtime.bigint()
for (let i = 0; i < lines.length; i += 5000) {
  api.writeRecords(lines.slice(i, i + 5000))
  await api.flush()  // one request at a time, as an application writing a file would
}
await api.close()
console.log(Number(process.hrtime.bigint() - t0) / 1e9)
"""


def run_influx_js(strata_dir, path, js_dir, gzipped):
    script = os.path.join(js_dir, "serve_bench.mjs")
    with open(script, "w") as f:
        f.write(JS_BENCH)
    # The client keeps many requests in flight however it is flushed, and its close() drops
    # what waits for a retry: the server takes them all rather than refusing over its bound.
    with ServerCpu(strata_dir, "--max-requests", "1024", "--max-connections", "1100") as server:
        out = subprocess.run(["node", script, path, "gzip" if gzipped else "plain"], cwd=js_dir,
                             capture_output=True, text=True,
                             env=dict(os.environ, STRATA_URL=server.url))
        if out.returncode != 0:
            raise RuntimeError("the JavaScript client failed: " + out.stderr[-2000:])
        return float(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="cpu.lp")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--strata", default=os.path.join(ROOT, "build", "strata"))
    ap.add_argument("--js-dir", default=os.path.join(ROOT, "build", "tests", "serve", "js"))
    ap.add_argument("--modes", default="import,http-1,http-2,http-gzip-2,influx-py,influx-js,"
                                       "influx-js-plain")
    args = ap.parse_args()
    os.environ["STRATA_BIN"] = args.strata
    if not os.path.exists(args.data):
        with open(args.data, "wb") as f:
            subprocess.run([sys.executable, os.path.join(ROOT, "..", "shared", "bench",
                                                          "tsbs_cpu.py"),
                            "--hosts", "100", "--hours", "24", "--format", "line"], stdout=f,
                           check=True)
    with open(args.data, "rb") as f:
        data = f.read()
    bodies = split_batches(data)
    nlines = sum(b.count(b"\n") for b in bodies)
    fields = bodies[0].split(b"\n", 1)[0].split(b" ")[1].count(b",") + 1
    points = nlines * fields
    gz_bodies = [gzip.compress(b, compresslevel=1) for b in bodies]
    text_lines = data.decode().splitlines()
    modes = args.modes.split(",")
    if not os.path.isdir(os.path.join(args.js_dir, "node_modules")):
        for m in ("influx-js", "influx-js-plain"):
            if m in modes:
                print("%s skipped: %s has no node_modules (run ctest -R serve.js_client)"
                      % (m, args.js_dir), file=sys.stderr)
                modes.remove(m)
    print("data: %s, %d lines, %d points, %.1f MB (gzipped: %.1f MB)"
          % (args.data, nlines, points, len(data) / 1e6, sum(map(len, gz_bodies)) / 1e6))
    seconds = {m: [] for m in modes}
    cpu = {m: [] for m in modes}
    for r in range(args.repeat):
        for mode in modes:
            work = tempfile.mkdtemp(prefix="serve-bench-")
            try:
                d = os.path.join(work, "data")
                if mode == "import":
                    s = run_import(args.strata, args.data, work)
                elif mode == "http-1":
                    s = run_http(d, bodies, 1, False)
                elif mode == "http-2":
                    s = run_http(d, bodies, 2, False)
                elif mode == "http-gzip-2":
                    s = run_http(d, gz_bodies, 2, True)
                elif mode == "influx-py":
                    s = run_influx_py(d, text_lines)
                elif mode in ("influx-js", "influx-js-plain"):
                    s = run_influx_js(d, os.path.abspath(args.data), args.js_dir,
                                      mode == "influx-js")
                else:
                    raise SystemExit("unknown mode " + mode)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            seconds[mode].append(s)
            cpu[mode].append(last_cpu[0])
            print("round %d %-15s %6.2f s %10s points/s  ingest CPU %.2f s"
                  % (r + 1, mode, s, format(int(points / s), ","), last_cpu[0]), file=sys.stderr)
    print("%-15s %9s %12s %10s %13s" % ("mode", "median s", "points/s", "vs import",
                                         "ingest CPU s"))
    base = statistics.median(seconds["import"]) if "import" in seconds else None
    for mode in modes:
        med = statistics.median(seconds[mode])
        ratio = "%.2fx" % (base / med) if base else "-"
        print("%-15s %9.2f %12s %10s %13.2f" % (mode, med, format(int(points / med), ","), ratio,
                                                 statistics.median(cpu[mode])))


if __name__ == "__main__":
    main()
