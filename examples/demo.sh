#!/usr/bin/env bash
# The main job, end to end: install missing packages, build Release into build/, generate the
# benchmark data (tsbs_cpu.py --hosts 100 --hours 24: 8.64 M points), import it with `strata import`,
# then show `strata stats`, a few `strata query` results and `strata verify`.
#   bash examples/demo.sh            (HOSTS=10 HOURS=2 bash examples/demo.sh for a quick run)
# Generated data and the data directory go to build/demo/ (DEMO_DIR to change it; BUILD_DIR to build
# elsewhere than build/).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
hosts=${HOSTS:-100}
hours=${HOURS:-24}
build=${BUILD_DIR:-build}
demo=${DEMO_DIR:-$repo/$build/demo}
generator=$(dirname "$repo")/shared/bench/tsbs_cpu.py

step() { printf '\n==> %s\n' "$*"; }

step "installing missing packages"
.ci/install-deps

step "building (Release) into $build/"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target strata_cli ingest_bench

strata=$build/strata
mkdir -p "$demo"
data="$demo/cpu-${hosts}h-${hours}.lp"
if [[ ! -s "$data" ]]; then
  if [[ -f "$generator" ]]; then
    step "generating ${hosts} hosts x ${hours} h of TSBS cpu data with $generator"
    /usr/bin/python3 "$generator" --hosts "$hosts" --hours "$hours" >"$data.tmp"
  else
    # The benchmark program carries the same generator (same shape, its own random numbers).
    step "$generator not found: generating the data with $build/tests/bench/ingest_bench"
    "$build"/tests/bench/ingest_bench --hosts "$hosts" --hours "$hours" --write-lines "$data.tmp"
  fi
  mv "$data.tmp" "$data"
fi
printf '%s: %s lines, %s bytes\n' "$data" "$(wc -l <"$data")" "$(stat -c %s "$data")"

dir="$demo/data"
rm -rf "$dir"
step "strata import $dir $(basename "$data")"
"$strata" import "$dir" "$data"

step "strata stats $dir"
"$strata" stats "$dir"

step "strata query: host_0's usage_user over the first hour (first 5 points)"
"$strata" query "$dir" cpu --tag hostname=host_0 --field usage_user \
  --start 2016-01-01T00:00:00Z --end 2016-01-01T00:59:59Z --limit 5
printf '(%s points in that hour)\n' "$("$strata" query "$dir" cpu --tag hostname=host_0 \
  --field usage_user --start 2016-01-01T00:00:00Z --end 2016-01-01T00:59:59Z | wc -l)"

step "strata query: every field of host_1 at 2016-01-01T12:00:00Z"
"$strata" query "$dir" cpu --tag hostname=host_1 --start 2016-01-01T12:00:00Z \
  --end 2016-01-01T12:00:00Z

step "strata query: usage_system of host_2 or host_3 (tag IN) over the last 30 seconds"
"$strata" query "$dir" cpu --tag hostname=host_2 --tag hostname=host_3 --field usage_system \
  --start 2016-01-01T23:59:30Z

step "strata verify $dir"
"$strata" verify "$dir"
