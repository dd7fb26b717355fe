#!/usr/bin/env bash
# The bindings' benchmarks beside the C ABI's, in one run, so their ratios are comparable on a
# noisy machine (issue 18): C (abi_bench: columnar and line-protocol writes; abi_read_bench:
# block reads by series and rows), Python (write_lines; the numpy/pandas paths), Go and Node.js
# (columnar and line-protocol writes; block reads by series and rows). Each prints points/s.
# Needs a build in build/ (or $BUILD) and .ci/install-deps.
#
#   python3 ../shared/bench/tsbs_cpu.py --hosts 100 --hours 24 --format csv > cpu.csv
#   python3 ../shared/bench/tsbs_cpu.py --hosts 100 --hours 24 --format line > cpu.lp
#   tests/bench/bindings_bench.sh cpu.csv cpu.lp ["sync=full"]
set -euo pipefail
if (($# < 2)); then
  echo "usage: $0 cpu.csv cpu.lp [options]" >&2
  exit 2
fi
csv=$(realpath "$1")
lp=$(realpath "$2")
options=${3:-}
cd "$(dirname "$0")/../.."
lib=$(realpath "${BUILD:-build}")
export STRATA_LIBRARY=$lib/libstrata.so
echo "=== C"
"$lib/tests/bench/abi_bench" "$csv" "$lp" --options "$options" --batch 50000
"$lib/tests/bench/abi_read_bench" "$lp" --options "$options"
echo "=== Python"
PYTHONPATH=bindings/python /usr/bin/python3 tests/bench/abi_bench_write_lines.py "$lp" \
  --batch 50000 --options "$options"
PYTHONPATH=bindings/python /usr/bin/python3 tests/bench/python_columnar_bench.py "$csv" \
  --options "$options"
echo "=== Go"
(cd tests/bench/go_bench && GOPROXY=off CGO_LDFLAGS="-L$lib -Wl,-rpath,$lib" \
   go run . -csv "$csv" -lp "$lp" -options "$options")
echo "=== Node.js"
node tests/bench/node_bench.js "$csv" "$lp" --options "$options"
