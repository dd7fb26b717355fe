#!/usr/bin/env python3
"""Imports an InfluxDB line-protocol file into Strata and prints an hourly summary (count, min,
mean, max) of one field, per series.

  hourly_summary.py cpu.lp --field usage_user [--measurement cpu] [--dir DATA_DIR]

Without --dir the data goes to a temporary directory that is removed afterwards. The measurement
defaults to the one of the file's first line. Needs the strata package on PYTHONPATH
(bindings/python) and libstrata.so (STRATA_LIBRARY, or build/libstrata.so of the source tree).
"""
import argparse
import datetime
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bindings",
                                "python"))
import strata  # noqa: E402

HOUR = 3600 * 1_000_000_000
CHUNK = 8 << 20  # bytes of line protocol per write_lines call (each call is one atomic batch)


def first_measurement(path):
    with open(path, "rb") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(b"#"):
                continue
            out, i = bytearray(), 0
            while i < len(line) and line[i:i + 1] not in (b",", b" "):
                if line[i:i + 1] == b"\\" and i + 1 < len(line):
                    i += 1
                out += line[i:i + 1]
                i += 1
            return out.decode()
    raise SystemExit("%s holds no data lines" % path)


def import_file(db, path):
    """Writes the file in chunks that end at line boundaries; returns the byte count."""
    total = 0
    with open(path, "rb") as f:
        rest = b""
        while True:
            data = f.read(CHUNK)
            if not data:
                break
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            db.write_lines(data[:cut])
            rest = data[cut:]
            total += cut
        if rest.strip():
            db.write_lines(rest)
            total += len(rest)
    return total


def summarize(db, measurement, field):
    """Yields (series, hour_start_ns, count, min, mean, max) in series and time order."""
    current = None
    for p in db.query(measurement, field=field):
        if isinstance(p.value, (str, bool)):
            raise SystemExit("field %s holds %s values, not numbers" % (field, type(p.value).__name__))
        hour = p.time - p.time % HOUR
        if current is None or current[0] != p.series or current[1] != hour:
            if current is not None:
                yield current[0], current[1], current[2], current[3], current[5] / current[2], current[4]
            current = [p.series, hour, 0, p.value, p.value, 0.0]
        current[2] += 1
        current[3] = min(current[3], p.value)
        current[4] = max(current[4], p.value)
        current[5] += p.value
    if current is not None:
        yield current[0], current[1], current[2], current[3], current[5] / current[2], current[4]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="line-protocol file")
    ap.add_argument("--field", required=True, help="field to summarise")
    ap.add_argument("--measurement", help="measurement (default: that of the first line)")
    ap.add_argument("--dir", help="data directory (default: a temporary one)")
    a = ap.parse_args()

    measurement = a.measurement or first_measurement(a.file)
    with tempfile.TemporaryDirectory(prefix="strata-summary-") as tmp:
        with strata.open(a.dir or os.path.join(tmp, "data"), sync="off") as db:
            size = import_file(db, a.file)
            print("imported %d bytes of %s into %s" % (size, a.file, a.dir or "a temporary directory"))
            rows = 0
            for series, hour, count, lo, mean, hi in summarize(db, measurement, a.field):
                when = datetime.datetime.fromtimestamp(hour / 1e9, datetime.timezone.utc)
                print("%s  %s  n=%d  min=%.2f  mean=%.2f  max=%.2f"
                      % (series, when.strftime("%Y-%m-%d %H:00Z"), count, lo, mean, hi))
                rows += 1
            if rows == 0:
                print("no %s values in measurement %s" % (a.field, measurement))


if __name__ == "__main__":
    main()
