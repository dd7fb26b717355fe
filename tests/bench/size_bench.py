#!/usr/bin/python3
"""Size benchmark (issue 19): bytes per point of a Strata data directory against gzip -9.

For each data set it imports the line protocol into a fresh data directory with `strata import`
(default options unless --options; the import flushes), compacts it with the Python binding's
Database.compact() (the CLI has no compact command), and prints
  points                  the directory's segment points after compaction (strata stats)
  segments                bytes of shards/*/*/seg-*.sst, and B/point
  directory               bytes of every file in the directory (catalog, manifests, WAL, STRATA,
                          LOCK included), and B/point; with the catalog's share
  gzip -9                 bytes of `gzip -9` of the line-protocol text, and B/point
  strata/gzip             segments / gzip and directory / gzip
plus the same sizes right after the import's flush, before compaction, and the import and
compaction times (informational; the machine is shared). Sizes are exact and, for the generated
sets, deterministic for a given build.

  size_bench.py tsbs iot /work/data/proc_40min.lp
  size_bench.py --keep /tmp/sizes iot            # keep data directories and generated files

Data sets: `tsbs` generates `tsbs_cpu.py --hosts 100 --hours 24 --format line` (8.64 M points;
the generator is ../shared/bench/tsbs_cpu.py beside the repository, or --tsbs-gen); `iot`
generates `iot_gen.py` with its defaults (100,000 devices x 30 readings x 2 fields, 6 M points,
--seed 1); any other argument is a line-protocol file (e.g. from proc_collector.py; its
timestamps are nanoseconds, as `strata import` expects: it has no --precision option). Generated
files and data directories go to a temporary directory removed at the end, unless --keep DIR.
Nothing is committed: the data is generated or read at run time.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("datasets", nargs="+", metavar="tsbs|iot|FILE")
    parser.add_argument("--build", default=os.path.join(REPO, "build"),
                        help="build directory holding strata and libstrata.so")
    parser.add_argument("--options", default="", help="engine options for strata import")
    parser.add_argument("--tsbs-gen",
                        default=os.path.join(os.path.dirname(REPO), "shared", "bench",
                                             "tsbs_cpu.py"))
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep what is made there")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    return parser.parse_args(argv)


def generate(dataset, arguments, workdir):
    """Returns the path of the line-protocol file of `dataset`, generating it when needed."""
    if dataset == "tsbs":
        command = [sys.executable, arguments.tsbs_gen, "--hosts", "100", "--hours", "24",
                   "--format", "line"]
    elif dataset == "iot":
        command = [sys.executable, os.path.join(HERE, "iot_gen.py")]
    else:
        if not os.path.isfile(dataset):
            raise SystemExit("size_bench: %s is neither tsbs, iot nor a file" % dataset)
        return dataset
    path = os.path.join(workdir, dataset + ".lp")
    if not os.path.exists(path):
        with open(path + ".tmp", "wb") as out:
            subprocess.run(command, stdout=out, check=True)
        os.replace(path + ".tmp", path)
    return path


def gzip_bytes(path):
    process = subprocess.Popen(["gzip", "-9", "-c", path], stdout=subprocess.PIPE)
    total = 0
    while True:
        chunk = process.stdout.read(1 << 20)
        if not chunk:
            break
        total += len(chunk)
    if process.wait() != 0:
        raise SystemExit("size_bench: gzip failed on %s" % path)
    return total


def directory_sizes(directory):
    """Bytes of the directory's files, by kind: segments, catalog, manifests, wal, other."""
    sizes = {"segments": 0, "catalog": 0, "manifests": 0, "wal": 0, "other": 0, "files": 0}
    for root, _, files in os.walk(directory):
        relative = os.path.relpath(root, directory)
        for name in files:
            size = os.path.getsize(os.path.join(root, name))
            sizes["files"] += 1
            if relative.startswith("shards") and name.startswith("seg-"):
                sizes["segments"] += size
            elif relative.startswith("shards") and name == "MANIFEST":
                sizes["manifests"] += size
            elif relative.split(os.sep)[0] == "catalog":
                sizes["catalog"] += size
            elif relative.split(os.sep)[0] == "wal":
                sizes["wal"] += size
            else:
                sizes["other"] += size
    sizes["total"] = sum(sizes[k] for k in ("segments", "catalog", "manifests", "wal", "other"))
    return sizes


def strata_stats(strata, directory):
    output = subprocess.run([strata, "stats", "--json", directory], check=True,
                            stdout=subprocess.PIPE).stdout
    return json.loads(output)


def compact(arguments, directory):
    """Compacts `directory` through the Python binding, in a child process of /usr/bin/python3."""
    environment = dict(os.environ, STRATA_LIBRARY=os.path.join(arguments.build, "libstrata.so"),
                       PYTHONPATH=os.path.join(REPO, "bindings", "python"))
    script = "import strata, sys\nwith strata.open(sys.argv[1]) as db:\n    db.compact()\n"
    subprocess.run(["/usr/bin/python3", "-c", script, directory], env=environment, check=True)


def measure(dataset, arguments, workdir):
    path = generate(dataset, arguments, workdir)
    strata = os.path.join(arguments.build, "strata")
    directory = os.path.join(workdir, "db-" + re.sub(r"[^A-Za-z0-9_.-]", "_",
                                                     os.path.basename(path)))
    shutil.rmtree(directory, ignore_errors=True)
    command = [strata, "import"]
    if arguments.options:
        command += ["--options", arguments.options]
    started = time.monotonic()
    result = subprocess.run(command + [directory, path], stderr=subprocess.PIPE, text=True)
    import_seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit("size_bench: strata import failed:\n" + result.stderr)
    done = re.search(r"import done: ([\d,]+) points", result.stderr)
    imported = int(done.group(1).replace(",", "")) if done else None
    flushed = directory_sizes(directory)
    started = time.monotonic()
    compact(arguments, directory)
    compact_seconds = time.monotonic() - started
    compacted = directory_sizes(directory)
    stats = strata_stats(strata, directory)
    shards = [s for m in stats["measurements"] for s in m["shards"]]
    compressed = gzip_bytes(path)
    return {
        "dataset": dataset, "file": path, "text_bytes": os.path.getsize(path),
        "imported_points": imported, "points": stats["segment_points"],
        "series": stats["series"], "shards": len(shards),
        "segments_per_shard_after_compaction": max(s["segments"] for s in shards),
        "after_flush": flushed, "after_compaction": compacted, "gzip9_bytes": compressed,
        "import_seconds": round(import_seconds, 2), "compact_seconds": round(compact_seconds, 2),
    }


def per_point(size, points):
    return size / points if points else float("nan")


def report(figures):
    points = figures["points"]
    flushed, compacted = figures["after_flush"], figures["after_compaction"]
    gzip_size = figures["gzip9_bytes"]
    print("== %s (%s)" % (figures["dataset"], figures["file"]))
    print("points %d (imported %s), series %d, shards %d, line protocol %d bytes "
          "(%.2f B/point)" % (points, figures["imported_points"], figures["series"],
                              figures["shards"], figures["text_bytes"],
                              per_point(figures["text_bytes"], points)))
    rows = [("after flush", flushed), ("after compaction", compacted)]
    for label, sizes in rows:
        print("  %-17s segments %12d B %7.3f B/point | directory %12d B %7.3f B/point "
              "(catalog %d B %.3f B/point, manifests %d, wal %d, other %d)" % (
                  label, sizes["segments"], per_point(sizes["segments"], points),
                  sizes["total"], per_point(sizes["total"], points), sizes["catalog"],
                  per_point(sizes["catalog"], points), sizes["manifests"], sizes["wal"],
                  sizes["other"]))
    print("  gzip -9           %12d B %7.3f B/point" % (gzip_size, per_point(gzip_size, points)))
    print("  strata/gzip       segments %.2fx, directory %.2fx (after compaction)" % (
        compacted["segments"] / gzip_size, compacted["total"] / gzip_size))
    print("  import %.1f s (with flush), compact %.1f s" % (figures["import_seconds"],
                                                            figures["compact_seconds"]))


def main(argv):
    arguments = parse_arguments(argv)
    for binary in ("strata", "libstrata.so"):
        if not os.path.exists(os.path.join(arguments.build, binary)):
            raise SystemExit("size_bench: %s not found in %s (build first)" % (binary,
                                                                               arguments.build))
    if arguments.keep:
        os.makedirs(arguments.keep, exist_ok=True)
        workdir = arguments.keep
    else:
        workdir = tempfile.mkdtemp(prefix="strata-size-bench-")
    try:
        all_figures = []
        for dataset in arguments.datasets:
            figures = measure(dataset, arguments, workdir)
            report(figures)
            sys.stdout.flush()
            all_figures.append(figures)
        if arguments.json:
            print(json.dumps(all_figures, indent=1))
    finally:
        if not arguments.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
