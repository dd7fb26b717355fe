#!/usr/bin/env python3
"""Python write_lines throughput: a line-protocol file written through the binding in chunks of
about --batch points (one atomic batch each) into a fresh directory. Prints points/s.

  STRATA_LIBRARY=build/libstrata.so PYTHONPATH=bindings/python \\
      /usr/bin/python3 tests/bench/abi_bench_write_lines.py cpu.lp [--options sync=full]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

import strata


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--batch", type=int, default=100_000, help="points per write_lines call")
    ap.add_argument("--fields", type=int, default=10, help="fields per line (to count points)")
    ap.add_argument("--options", default="", help="k=v;k=v")
    a = ap.parse_args()
    options = dict(kv.split("=", 1) for kv in a.options.split(";") if kv)
    with open(a.file, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    per_call = max(1, a.batch // a.fields)
    chunks = [b"".join(lines[i:i + per_call]) for i in range(0, len(lines), per_call)]
    root = tempfile.mkdtemp(prefix="strata-pybench-")
    try:
        with strata.open(os.path.join(root, "db"), **options) as db:
            cpu0, t0 = time.process_time(), time.perf_counter()
            for chunk in chunks:
                db.write_lines(chunk)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        points = len(lines) * a.fields
        print("python write_lines %10d points  %7.2f s wall %12.0f points/s  %7.2f s cpu "
              "%12.0f points/cpu-s" % (points, wall, points / wall, cpu, points / cpu))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
