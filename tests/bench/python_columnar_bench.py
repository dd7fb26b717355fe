#!/usr/bin/env python3
"""Python's columnar paths on the TSBS-like cpu data (issue 18): a pandas DataFrame written with
db.write_frame (tag columns as read_csv gives them, text, and as categoricals), then reads into
numpy with db.read_columns (one field, then all ten) and into pandas with db.read_frame, before
and after the data is flushed and compacted into segments. Prints points/s; reads are the median
of --repeat runs. Loading the CSV into a DataFrame is not timed.

  python3 ../shared/bench/tsbs_cpu.py --hosts 100 --hours 24 --format csv > cpu.csv
  STRATA_LIBRARY=build/libstrata.so PYTHONPATH=bindings/python \\
      /usr/bin/python3 tests/bench/python_columnar_bench.py cpu.csv [--options sync=full]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import pandas as pd

import strata

TAGS = ["hostname", "region", "datacenter", "rack", "os", "arch", "team", "service",
        "service_version", "service_environment"]


def timed(fn):
    cpu0, t0 = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0, time.process_time() - cpu0


def report(what, points, wall, cpu):
    print("python %-34s %10d points  %7.3f s wall %12.0f points/s  %7.3f s cpu %12.0f "
          "points/cpu-s" % (what, points, wall, points / wall, cpu, points / cpu), flush=True)


def bench_write(root, name, frame, options, tags):
    with strata.open(os.path.join(root, name), **options) as db:
        points, wall, cpu = timed(lambda: db.write_frame("cpu", frame, tags=tags))
    report("write_frame (%s tags)" % name, points, wall, cpu)


def bench_reads(db, label, repeat, fields):
    one = lambda: db.read_columns("cpu", fields=["usage_user"])  # noqa: E731
    every = lambda: db.read_columns("cpu", fields=fields)  # noqa: E731
    frame = lambda: db.read_frame("cpu", fields=fields)  # noqa: E731
    for what, fn, count in (("read_columns 1 field", one, lambda r: r.nrows),
                            ("read_columns 10 fields", every, lambda r: r.nrows * len(fields)),
                            ("read_frame 10 fields", frame, lambda r: len(r) * len(fields))):
        runs = [timed(fn) for _ in range(repeat)]
        points = count(runs[0][0])
        wall = statistics.median(r[1] for r in runs)
        cpu = statistics.median(r[2] for r in runs)
        report("%s (%s)" % (what, label), points, wall, cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--options", default="", help="k=v;k=v for strata.open")
    ap.add_argument("--repeat", type=int, default=11, help="runs per read; the median is printed")
    a = ap.parse_args()
    options = dict(kv.split("=", 1) for kv in a.options.split(";") if kv)
    text = pd.read_csv(a.csv, dtype={t: str for t in TAGS})
    categorical = text.astype({t: "category" for t in TAGS})
    fields = [c for c in text.columns if c not in TAGS and c != "time"]
    print("strata %s, pandas %s: %d rows x %d fields = %d points, options '%s'"
          % (strata.version(), pd.__version__, len(text), len(fields), len(text) * len(fields),
             a.options), flush=True)
    root = tempfile.mkdtemp(prefix="strata-pycol-bench-")
    try:
        bench_write(root, "text", text, options, TAGS)
        bench_write(root, "categorical", categorical, options, TAGS)
        with strata.open(os.path.join(root, "categorical"), **options) as db:
            bench_reads(db, "MemStores", a.repeat, fields)
            db.compact()
            bench_reads(db, "segments", a.repeat, fields)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
