#!/usr/bin/env bash
# The main job, end to end, through SQLite: install missing packages, build Release into build/,
# generate the benchmark data (tsbs_cpu.py --hosts 100 --hours 24 --format csv: 864 k rows, 8.64 M
# points), then with /usr/bin/python3's sqlite3 and the extension (build/libstrata.so):
# CREATE VIRTUAL TABLE cpu USING strata(...), INSERT the CSV in 5,000-row transactions (printing
# rows/s), run the four TSBS-style queries with timings (q2-q4 also through the aggregate view),
# print strata_stats(), and finally run `strata verify` on the data directory.
#   bash examples/demo.sh            (HOSTS=10 HOURS=2 bash examples/demo.sh for a quick run)
# Generated data and the database go to build/demo/ (DEMO_DIR to change it; BUILD_DIR to build
# elsewhere than build/).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
hosts=${HOSTS:-100}
hours=${HOURS:-24}
build=${BUILD_DIR:-build}
demo=${DEMO_DIR:-$repo/$build/demo}
generator=$repo/tests/bench/tsbs_cpu.py

step() { printf '\n==> %s\n' "$*"; }

step "installing missing packages"
.ci/install-deps

step "building (Release) into $build/"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target strata_library strata_cli ingest_bench

strata=$build/strata
library=$(cd "$build" && pwd)/libstrata.so
mkdir -p "$demo"
data="$demo/cpu-${hosts}h-${hours}.csv"
if [[ ! -s "$data" ]]; then
  if [[ -f "$generator" ]]; then
    step "generating ${hosts} hosts x ${hours} h of TSBS cpu data (CSV) with $generator"
    /usr/bin/python3 "$generator" --hosts "$hosts" --hours "$hours" --format csv >"$data.tmp"
  else
    # The benchmark program carries the same generator (same shape, its own random numbers); it
    # writes line protocol, turned into the same CSV here.
    step "$generator not found: generating the data with $build/tests/bench/ingest_bench"
    "$build"/tests/bench/ingest_bench --hosts "$hosts" --hours "$hours" --write-lines "$data.lp"
    /usr/bin/python3 - "$data.lp" >"$data.tmp" <<'EOF'
import sys
tags = ["hostname", "region", "datacenter", "rack", "os", "arch", "team", "service",
        "service_version", "service_environment"]
fields = ["usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq",
          "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"]
out = sys.stdout
out.write(",".join(["time"] + tags + fields) + "\n")
for line in open(sys.argv[1]):
    series, fset, ts = line.split()
    t = dict(kv.split("=", 1) for kv in series.split(",")[1:])
    f = dict(kv.split("=", 1) for kv in fset.split(","))
    out.write(",".join([ts] + [t[k] for k in tags] + [f[k].rstrip("i") for k in fields]) + "\n")
EOF
    rm -f "$data.lp"
  fi
  mv "$data.tmp" "$data"
fi
printf '%s: %s rows, %s bytes\n' "$data" "$(($(wc -l <"$data") - 1))" "$(stat -c %s "$data")"

db="$demo/cpu.db"
rm -rf "$db" "$db-wal" "$db-shm" "$db.strata"
step "SQLite: CREATE VIRTUAL TABLE cpu USING strata(...), INSERT the CSV in 5,000-row transactions"
/usr/bin/python3 - "$library" "$db" "$data" <<'EOF'
import csv, json, sqlite3, sys, time

library, db_path, csv_path = sys.argv[1:4]
conn = sqlite3.connect(db_path, isolation_level=None)  # explicit BEGIN/COMMIT below
conn.enable_load_extension(True)
conn.load_extension(library[:-3] if library.endswith(".so") else library)
conn.enable_load_extension(False)

reader = csv.reader(open(csv_path, newline=""))
header = next(reader)
tags, fields = header[1:11], header[11:]
create = ("CREATE VIRTUAL TABLE cpu USING strata(" + ", ".join(t + " TAG" for t in tags) + ", " +
          ", ".join(f + " REAL" for f in fields) + ")")
print(create)
conn.execute(create)
insert = "INSERT INTO cpu(%s) VALUES(%s)" % (", ".join(header), ", ".join("?" * len(header)))
print(insert, "\n")

def rows():
    for r in reader:
        yield [int(r[0])] + r[1:11] + [float(x) for x in r[11:]]

batch, n = [], 0
start = time.perf_counter()
def commit(batch):
    conn.execute("BEGIN")
    conn.executemany(insert, batch)
    conn.execute("COMMIT")
for row in rows():
    batch.append(row)
    if len(batch) == 5000:
        commit(batch)
        n += len(batch)
        batch = []
        if n % 200000 == 0:
            print("  %d rows..." % n, flush=True)
if batch:
    commit(batch)
    n += len(batch)
elapsed = time.perf_counter() - start
print("ingested %d rows (%d points) in %.2f s: %.0f rows/s, %.0f points/s (Python csv parsing included)"
      % (n, n * len(fields), elapsed, n / elapsed, n * len(fields) / elapsed))

t0, t1 = conn.execute("SELECT min(time), max(time) FROM cpu WHERE hostname = 'host_0'").fetchone()
H = 3600 * 10**9
day = max(H, t1 + 1 - t0)               # the data's span (24 h by default)
q1_start = t0 + day // 3 // H * H       # an hour a third into the data
q2_start = t0 + day // 4 // H * H       # 12 h (or what there is) from a quarter in
queries = [
    ("q1: host_0's usage_user over one hour, raw (first 5 rows shown)",
     "SELECT time, usage_user FROM cpu WHERE hostname = 'host_0' AND time >= ? AND time < ?",
     (q1_start, q1_start + H)),
    ("q2: max of 5 fields for host_1 over 12 h, by hour",
     "SELECT time_bucket('1h', time) AS hour, max(usage_user), max(usage_system), max(usage_idle), "
     "max(usage_nice), max(usage_iowait) FROM cpu WHERE hostname = 'host_1' AND time >= ? AND time < ? "
     "GROUP BY hour ORDER BY hour", (q2_start, q2_start + 12 * H)),
    ("q3: mean usage_user per host per hour over the whole day (first 5 rows shown)",
     "SELECT hostname, time_bucket('1h', time) AS hour, avg(usage_user) FROM cpu WHERE time >= ? AND "
     "time < ? GROUP BY hostname, hour", (t0, t0 + day)),
    ("q4: last point per host, hosts seen in the last hour (first 5 rows shown)",
     "WITH hosts(hostname) AS (SELECT DISTINCT hostname FROM cpu WHERE time > ?) "
     "SELECT c.hostname, c.time, c.usage_user, c.usage_system FROM hosts AS h CROSS JOIN cpu AS c "
     "ON c.hostname = h.hostname AND c.time = (SELECT max(time) FROM cpu WHERE hostname = h.hostname)",
     (t1 - H,)),
    # The same answers from the aggregate view, computed inside the module from engine blocks.
    ("q2 through the aggregate view cpu('max', '1h')",
     "SELECT time AS hour, usage_user, usage_system, usage_idle, usage_nice, usage_iowait "
     "FROM cpu('max', '1h') WHERE hostname = 'host_1' AND time >= ? AND time < ? ORDER BY hour",
     (q2_start, q2_start + 12 * H)),
    ("q3 through the aggregate view cpu('mean', '1h') (first 5 rows shown)",
     "SELECT hostname, time AS hour, usage_user FROM cpu('mean', '1h') WHERE time >= ? AND time < ?",
     (t0, t0 + day)),
    ("q4 through the aggregate view cpu('last') (first 5 rows shown)",
     "SELECT hostname, time, usage_user, usage_system FROM cpu('last')", ()),
]
for title, sql, args in queries:
    print("\n--", title)
    print("  ", sql)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = conn.execute(sql, args).fetchall()
        times.append(time.perf_counter() - start)
    for row in result[:5 if "shown" in title else len(result)]:
        print("  ", row)
    print("   %d rows; median of 3 runs %.1f ms" % (len(result), sorted(times)[1] * 1e3))

conn.execute("SELECT strata_flush()")
print("\n-- SELECT strata_stats()  (after strata_flush())")
print(json.dumps(json.loads(conn.execute("SELECT strata_stats()").fetchone()[0]), indent=1)[:3000])
conn.close()
EOF

step "data directory $db.strata: $(du -sb "$db.strata" | cut -f1) bytes"
step "strata verify $db.strata"
"$strata" verify "$db.strata"
