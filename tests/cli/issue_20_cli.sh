#!/usr/bin/env bash
# Issue 20, the CLI as users of other tools expect it: help on stdout with exit 0 (strata --help,
# strata help [COMMAND], strata COMMAND --help), --version, an unknown measurement or field in
# `query` is an error, `query --format tsv|csv|jsonl|lp` (line protocol re-imports to the same
# points) and --time-format, --start/--end inclusive as SQL's BETWEEN, `import` keeping the good
# lines around a bad one (and --skip-errors), `stats` showing the directory's totals, and a
# measurement dropped by DROP TABLE and made again with other types: verify and repair keep it gone.
# Usage: issue_20_cli.sh path/to/strata path/to/libstrata.so
set -euo pipefail
strata=${1:?usage: issue_20_cli.sh STRATA_BINARY LIBSTRATA}
libstrata=${2:?usage: issue_20_cli.sh STRATA_BINARY LIBSTRATA}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# shellcheck source=cli_expect.sh
source "$(dirname "$0")/cli_expect.sh"

# ---- help and version ----------------------------------------------------------------------------
for args in "--help" "-h" "help"; do
  expect_exit 0 "$strata" $args
  expect_in "$work/out" "commands:"
  for c in import serve query stats verify repair; do expect_in "$work/out" "  $c "; done
  expect_empty "$work/err"
done
for c in import serve query stats verify repair; do
  expect_exit 0 "$strata" "$c" --help
  expect_in "$work/out" "usage: strata $c"
  expect_empty "$work/err"
  expect_exit 0 "$strata" help "$c"
  expect_in "$work/out" "usage: strata $c"
done
expect_exit 2 "$strata" help frobnicate
expect_in "$work/err" "no command 'frobnicate'"
expect_exit 2 "$strata" query --bogus
expect_in "$work/err" "strata query: unknown flag --bogus"
expect_in "$work/err" "usage: strata query"
for v in --version version; do
  expect_exit 0 "$strata" $v
  grep -qE '^strata [0-9]+\.[0-9]+\.[0-9]+ \(ABI [0-9]+\)$' "$work/out" || fail "$v printed: $(cat "$work/out")"
done

# ---- data with every value type and names that need escaping -------------------------------------
t0=1704067200000000000  # 2024-01-01T00:00:00Z
s=1000000000
cat >"$work/in.lp" <<LP
cpu,host=a,region=eu usage=1.5,count=3i,up=true,note="plain" $t0
cpu,host=a,region=eu usage=2,count=-4i,up=false,note="say \"hi\", a\\\\b" $((t0 + 10 * s))
cpu,host=b,region=us usage=1e-300,count=9223372036854775807i,up=true,note="two
lines	tab" $((t0 + 20 * s))
cpu,host=b,region=us usage=-0.1,count=0i,up=false,note="" $((t0 + 30 * s))
odd\ name\,m,tag\ key=va\,l\=ue,k2=x\\\\y field\ \,\=k=7.25 $((t0 - 5 * s))
weird,host=a v=1.7976931348623157e+308 -1000000000
LP
dir="$work/d1"
expect_exit 0 "$strata" import "$dir" "$work/in.lp"
expect_in "$work/err" "import done: 18 points"

# ---- unknown names are errors ----------------------------------------------------------------------
expect_exit 1 "$strata" query "$dir" cpux
expect_in "$work/err" "strata: no measurement 'cpux' in $dir (it holds: cpu, odd name,m, weird)"
expect_empty "$work/out"
expect_exit 1 "$strata" query "$dir" cpu --field usage --field nope
expect_in "$work/err" "measurement 'cpu' has no field 'nope' (its fields: count, note, up, usage)"
expect_empty "$work/out"
expect_exit 0 "$strata" query "$dir" cpu --tag host=zzz  # a tag value: an empty answer
expect_empty "$work/out"

# ---- formats --------------------------------------------------------------------------------------
expect_exit 0 "$strata" query "$dir" cpu --field count --tag host=a --time-format ns
printf 'cpu,host=a,region=eu#count\t%s\t3\ncpu,host=a,region=eu#count\t%s\t-4\n' "$t0" "$((t0 + 10 * s))" >"$work/want"
cmp -s "$work/out" "$work/want" || { fail "tsv --time-format ns"; diff "$work/want" "$work/out" >&2 || true; }
expect_exit 0 "$strata" query "$dir" cpu --field count --tag host=a --ns
cmp -s "$work/out" "$work/want" || fail "--ns is not --time-format ns"
expect_exit 0 "$strata" query "$dir" cpu --field note --format csv
expect_in "$work/out" "series,time,value"
expect_in "$work/out" 'cpu,host=a,region=eu#note",2024-01-01T00:00:10Z,"say ""hi"", a\b"'
expect_in "$work/out" '"cpu,host=b,region=us#note",2024-01-01T00:00:20Z,"two'
expect_exit 0 "$strata" query "$dir" cpu --format jsonl --time-format ns --tag host=b
/usr/bin/python3 - "$work/out" "$t0" <<'PY' || fail "jsonl"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
t0 = int(sys.argv[2])
assert len(rows) == 8, rows
by = {(r["field"], r["time"]): r for r in rows}
r = by[("count", t0 + 20 * 10**9)]
assert r["value"] == 9223372036854775807 and r["measurement"] == "cpu", r
assert r["tags"] == {"host": "b", "region": "us"}, r
assert by[("note", t0 + 20 * 10**9)]["value"] == "two\nlines\ttab"
assert by[("up", t0 + 30 * 10**9)]["value"] is False
assert by[("usage", t0 + 20 * 10**9)]["value"] == 1e-300
PY
expect_exit 0 "$strata" query "$dir" cpu --format jsonl --limit 1
expect_in "$work/out" '"time":"2024-01-01T00:00:00Z"'
expect_exit 2 "$strata" query "$dir" cpu --format xml
expect_in "$work/err" "--format: 'xml' is not tsv, csv, jsonl or lp"
expect_exit 2 "$strata" query "$dir" cpu --time-format rfc
expect_in "$work/err" "--time-format: 'rfc' is not iso or ns"

# Line protocol out, then in: the same points, types and times.
: >"$work/all.lp"
for m in cpu "odd name,m" weird; do
  expect_exit 0 "$strata" query "$dir" "$m" --format lp
  cat "$work/out" >>"$work/all.lp"
done
expect_lines "$work/all.lp" 18
expect_in "$work/all.lp" "count=9223372036854775807i $((t0 + 20 * s))"
expect_in "$work/all.lp" 'note="two\nlines\ttab"'
expect_exit 0 "$strata" import "$work/d2" "$work/all.lp"
for m in cpu "odd name,m" weird; do
  expect_exit 0 "$strata" query "$dir" "$m" --format jsonl --time-format ns
  mv "$work/out" "$work/a.jsonl"
  expect_exit 0 "$strata" query "$work/d2" "$m" --format jsonl --time-format ns
  cmp -s "$work/a.jsonl" "$work/out" || { fail "$m: lp round trip differs"; diff "$work/a.jsonl" "$work/out" >&2 || true; }
done
expect_exit 0 "$strata" query "$work/d2" "odd name,m" --ns
expect_in "$work/out" 'odd\ name\,m,k2=x\\\\y,tag\ key=va\,l\=ue#field\ \,\=k'$'\t'"$((t0 - 5 * s))"$'\t''7.25'

# ---- --start/--end: both ends inclusive, as SQL's BETWEEN -------------------------------------------
expect_exit 0 "$strata" query "$dir" cpu --field usage --start "$((t0 + 10 * s))" --end 2024-01-01T00:00:30Z --ns
expect_lines "$work/out" 3
expect_in "$work/out" "$((t0 + 10 * s))	2"
expect_in "$work/out" "$((t0 + 30 * s))	-0.1"
expect_exit 0 "$strata" query "$dir" cpu --field usage --start 2024-01-01T00:00:10Z --end 2024-01-01T00:00:10Z
expect_lines "$work/out" 1
expect_exit 2 "$strata" query "$dir" cpu --start 2024-01-02 --end 2024-01-01
expect_in "$work/err" "--start is after --end"
STRATA_LIBRARY="$libstrata" /usr/bin/python3 - "$libstrata" "$dir" "$t0" <<'PY' || fail "SQL's BETWEEN gives other rows"
import sqlite3, sys
lib, d, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
db.load_extension(lib)
db.execute("CREATE VIRTUAL TABLE cpu USING strata(host TAG, region TAG, usage REAL, count INTEGER, "
           "up BOOLEAN, note TEXT, dir='%s')" % d)
got = db.execute("SELECT time FROM cpu WHERE time BETWEEN ? AND ? ORDER BY time",
                 (t0 + 10 * 10**9, t0 + 30 * 10**9)).fetchall()
assert [t for (t,) in got] == [t0 + 10 * 10**9, t0 + 20 * 10**9, t0 + 30 * 10**9], got
PY

# ---- import: a bad line costs only itself ---------------------------------------------------------
{
  echo "m,h=a v=1 $t0"
  echo "m,h=a v=2 $((t0 + s))"
  echo "m,h=a s=\"multi"
  echo "line\" $((t0 + 2 * s))"
  echo "m,h=a v=oops $((t0 + 3 * s))"      # line 5: malformed
  echo "m,h=a v=4 $((t0 + 4 * s))"
  echo "m,h=a v=5i $((t0 + 5 * s))"        # line 7: v holds floats (refused by the engine)
  echo "m,h=a v=6 $((t0 + 6 * s))"
} >"$work/bad.lp"
expect_exit 1 "$strata" import --batch-lines 100 "$work/d3" "$work/bad.lp"
expect_in "$work/err" "bad.lp: line 5, column"
expect_in "$work/err" "every line before it is written (3 points), nothing from it on"
expect_exit 0 "$strata" query "$work/d3" m --ns
expect_lines "$work/out" 3
expect_exit 1 "$strata" import --batch-lines 100 --skip-errors "$work/d4" "$work/bad.lp"
expect_in "$work/err" "bad.lp: line 5, column"
expect_in "$work/err" "bad.lp: line 7: field 'v' of measurement 'm' has type float; cannot write an integer value (skipped)"
expect_in "$work/err" "import done: 5 points"
expect_in "$work/err" "2 bad line(s) skipped"
expect_exit 0 "$strata" query "$work/d4" m --field v --ns
expect_lines "$work/out" 4
expect_in "$work/out" "$((t0 + 6 * s))	6"
# The same with batches of 2 lines: numbers stay absolute, and a refusal costs only its line.
expect_exit 1 "$strata" import --batch-lines 2 --skip-errors "$work/d5" "$work/bad.lp"
expect_in "$work/err" "bad.lp: line 5, column"
expect_in "$work/err" "bad.lp: line 7: "
expect_in "$work/err" "import done: 5 points"
# Skipped malformed lines do not split the batch: the good lines around them commit together.
printf 'k v=1 1\nk v= 2\nk v=3 3\nk v=4 4\nk,=x v=5 5\nk v=6 6\n' >"$work/gaps.lp"
expect_exit 1 "$strata" import --skip-errors "$work/d7" "$work/gaps.lp"
expect_in "$work/err" "gaps.lp: line 2, column"
expect_in "$work/err" "gaps.lp: line 5, column"
expect_in "$work/err" "import done: 4 points in 1 batches"
# A type conflict with what the directory holds, in the middle of a batch.
printf 'm,h=b v=1 %s\nm,h=b v=2i %s\nm,h=b v=3 %s\n' "$t0" "$((t0 + s))" "$((t0 + 2 * s))" >"$work/conflict.lp"
expect_exit 1 "$strata" import "$work/d4" "$work/conflict.lp"
expect_in "$work/err" "conflict.lp: line 2: field 'v' of measurement 'm' has type float; cannot write an integer value; import stopped"
expect_exit 0 "$strata" query "$work/d4" m --tag h=b --ns
expect_lines "$work/out" 1

# ---- stats: the directory's totals, whoever wrote them ------------------------------------------
expect_exit 0 "$strata" stats --json "$dir"
/usr/bin/python3 - "$work/out" <<'PY' || fail "stats --json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["points"] == 18 and j["series"] == 10, j
assert j["segment_points"] == 18 and j["memstore_points"] == 0, j
assert "points_written" not in j, j
m = {x["name"]: x for x in j["measurements"]}
assert m["cpu"]["points"] == 16 and m["cpu"]["series"] == 8 and m["cpu"]["tagsets"] == 2, m["cpu"]
assert m["weird"]["points"] == 1 and m["weird"]["shards"][0]["window_start_text"] == "1969-12-31T00:00:00Z", m
assert all(x["disk_bytes"] > 0 for x in j["measurements"]), j
assert j["disk_bytes"] >= sum(x["disk_bytes"] for x in j["measurements"]) + j["wal_bytes"], j
PY
expect_exit 0 "$strata" stats "$dir"
expect_in "$work/out" "3 measurement(s), 10 series, 18 points"
expect_in "$work/out" "TAGSETS"
# Written but not flushed: the points are in the MemStores (from the WAL) and still counted.
printf 'n v=1 %s\nn v=2 %s\n' "$t0" "$((t0 + s))" >"$work/n.lp"
expect_exit 0 "$strata" import --no-flush "$work/d6" "$work/n.lp"
expect_exit 0 "$strata" stats --json "$work/d6"
expect_in "$work/out" '"points":2'
expect_in "$work/out" '"memstore_points":2'

# ---- a dropped measurement: verify and repair agree it is gone --------------------------------------
ddrop="$work/ddrop"
printf 'm,h=a v=1.5 %s\nm,h=b v=2.5 %s\nn v=1i %s\n' "$t0" "$t0" "$t0" >"$work/m.lp"
expect_exit 0 "$strata" import "$ddrop" "$work/m.lp"
STRATA_LIBRARY="$libstrata" /usr/bin/python3 - "$libstrata" "$ddrop" "$t0" <<'PY' || fail "DROP TABLE and CREATE with other types"
import sqlite3, sys
lib, d, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
db.load_extension(lib)
db.execute("CREATE VIRTUAL TABLE m USING strata(h TAG, v REAL, dir='%s')" % d)
assert db.execute("SELECT count(*) FROM m").fetchone() == (2,)
db.execute("DROP TABLE m")
db.execute("CREATE VIRTUAL TABLE m USING strata(h TAG, v INTEGER, dir='%s')" % d)
db.execute("INSERT INTO m VALUES(?, 'c', 7)", (t0 + 1,))
db.commit()
got = db.execute("SELECT h, v FROM m").fetchall()
assert got == [("c", 7)], got
PY
expect_exit 0 "$strata" verify "$ddrop"
expect_exit 0 "$strata" repair "$ddrop"
expect_exit 0 "$strata" query "$ddrop" m
expect_lines "$work/out" 1
expect_in "$work/out" "h=c"
expect_exit 0 "$strata" query "$ddrop" n
expect_lines "$work/out" 1

if ((failures)); then
  echo "issue_20_cli: $failures failure(s)" >&2
  exit 1
fi
echo "issue_20_cli: all checks passed"
