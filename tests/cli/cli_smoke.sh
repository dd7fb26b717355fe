#!/usr/bin/env bash
# Smoke test of the `strata` tool: import a tiny line-protocol file, check stats/query/verify output
# and exit codes, the error paths (bad usage, malformed line), then damage a segment file and check
# that verify names it and exits 1, and that repair mends it.   Usage: cli_smoke.sh path/to/strata
set -euo pipefail
strata=${1:?usage: cli_smoke.sh STRATA_BINARY}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# shellcheck source=cli_expect.sh
source "$(dirname "$0")/cli_expect.sh"

t0=1451606400000000000  # 2016-01-01T00:00:00Z
cat >"$work/cpu.lp" <<LP
# a comment line
cpu,host=a,region=eu usage_user=1.5,usage_system=2 $t0
cpu,host=b,region=us usage_user=3.25,usage_system=4 $t0
cpu,host=a,region=eu usage_user=5.5,usage_system=6 $((t0 + 10000000000))

cpu,host=b,region=us usage_user=7,usage_system=8 $((t0 + 10000000000))
mem,host=a used=123i,ok=true,note="two
lines" $t0
LP
dir="$work/data"

expect_exit 0 "$strata" import --batch-lines 2 "$dir" "$work/cpu.lp"
expect_in "$work/err" "import done: 11 points"

expect_exit 0 "$strata" stats "$dir"
expect_in "$work/out" "2016-01-01T00:00:00Z"
expect_in "$work/out" "2 measurement(s), 7 series, 11 points"
expect_in "$work/out" "total (2)"
expect_exit 0 "$strata" stats --json "$dir"
expect_in "$work/out" '"series":7'
expect_in "$work/out" '"points":11'

expect_exit 0 "$strata" query "$dir" cpu --tag host=a --field usage_user
printf 'cpu,host=a,region=eu#usage_user\t2016-01-01T00:00:00Z\t1.5\ncpu,host=a,region=eu#usage_user\t2016-01-01T00:00:10Z\t5.5\n' >"$work/want"
cmp -s "$work/out" "$work/want" || { fail "query output differs"; diff "$work/want" "$work/out" >&2 || true; }
expect_exit 0 "$strata" query "$dir" cpu --tag host=a --tag host=b --field usage_system \
  --start 2016-01-01T00:00:05Z --end "$((t0 + 10000000000))" --ns
[[ $(wc -l <"$work/out") -eq 2 ]] || fail "time-bounded IN query: want 2 lines, got $(wc -l <"$work/out")"
expect_in "$work/out" "cpu,host=b,region=us#usage_system	$((t0 + 10000000000))	8"
expect_exit 0 "$strata" query "$dir" mem
expect_in "$work/out" 'mem,host=a#note	2016-01-01T00:00:00Z	two\nlines'
expect_in "$work/out" 'mem,host=a#ok	2016-01-01T00:00:00Z	true'
expect_in "$work/out" 'mem,host=a#used	2016-01-01T00:00:00Z	123'
expect_exit 0 "$strata" query "$dir" cpu --limit 3
[[ $(wc -l <"$work/out") -eq 3 ]] || fail "--limit 3 printed $(wc -l <"$work/out") lines"

expect_exit 0 "$strata" verify "$dir"
expect_in "$work/out" "no damage found"

# Usage errors exit 2; runtime errors exit 1 with "strata: ". Help asked for goes to stdout, exit 0.
expect_exit 2 "$strata"
expect_in "$work/err" "usage:"
expect_exit 0 "$strata" help
expect_in "$work/out" "usage:"
expect_exit 2 "$strata" frobnicate
expect_exit 2 "$strata" query "$dir"
expect_exit 2 "$strata" query "$dir" cpu --start yesterday
expect_in "$work/err" "cannot use 'yesterday' as a time: expected integer nanoseconds or ISO-8601"
# Times are read as everywhere else (engine/time_text.h): a date that does not exist is refused.
expect_exit 2 "$strata" query "$dir" cpu --start 2016-02-30T00:00:00Z
expect_in "$work/err" "--start: cannot use '2016-02-30T00:00:00Z' as a time: 2016-02 has no day 30"
expect_exit 2 "$strata" query "$dir" cpu --end 2016-01-01T00:00:60Z
expect_exit 1 "$strata" stats "$work/nowhere"
expect_in "$work/err" "strata: "
[[ ! -e "$work/nowhere" ]] || fail "stats created a directory"
expect_exit 1 "$strata" import --options 'bogus=1' "$work/other" "$work/cpu.lp"
expect_in "$work/err" "bogus"

# A malformed line: absolute line number; every line before it is written, even those of its batch.
{
  for i in 1 2 3 4 5; do echo "cpu,host=c usage_user=$i $((t0 + i * 1000000000))"; done
  echo "cpu,host=c usage_user= $t0"
  echo "cpu,host=c usage_user=9 $t0"
} >"$work/bad.lp"
expect_exit 1 "$strata" import --batch-lines 2 "$dir" "$work/bad.lp"
expect_in "$work/err" "bad.lp: line 6, column"
expect_in "$work/err" "every line before it is written (5 points)"
expect_exit 0 "$strata" query "$dir" cpu --tag host=c
[[ $(wc -l <"$work/out") -eq 5 ]] || fail "after the malformed line: want 5 points of host c, got $(wc -l <"$work/out")"
# stdin works too.
echo "cpu,host=d usage_user=1 $t0" | { expect_exit 0 "$strata" import "$dir" -; }
expect_in "$work/err" "import done: 1 points"

# backup copies the directory; the copy opens and reads the same; an existing DEST is refused.
expect_exit 0 "$strata" query "$dir" cpu
cp "$work/out" "$work/source.out"
expect_exit 0 "$strata" backup "$dir" "$work/copy"
expect_in "$work/err" "backup done: $work/copy up to LSN"
expect_exit 0 "$strata" query "$work/copy" cpu
cmp -s "$work/out" "$work/source.out" || fail "the backup reads differently from its source"
expect_exit 0 "$strata" verify "$work/copy"
expect_exit 1 "$strata" backup "$dir" "$work/copy"
expect_in "$work/err" "already exists"
expect_exit 2 "$strata" backup "$dir"
rm -rf "$work/copy"

# Damage one segment file: verify names it and exits 1; nothing else changes.
seg=$(find "$dir/shards" -name 'seg-*.sst' | sort | head -n 1)
[[ -n "$seg" ]] || { fail "no segment file after import"; exit 1; }
size=$(stat -c %s "$seg")
off=$((size / 2))
byte=$(od -An -tu1 -j "$off" -N1 "$seg" | tr -d ' ')
printf "$(printf '\\x%02x' $((byte ^ 0x5a)))" | dd of="$seg" bs=1 seek="$off" conv=notrunc status=none
before=$(find "$dir" -type f -printf '%p %s %T@\n' | sort)
expect_exit 1 "$strata" verify "$dir"
expect_in "$work/out" "DAMAGED"
expect_in "$work/out" "$seg"
expect_in "$work/out" "1 problem(s) found"
after=$(find "$dir" -type f -printf '%p %s %T@\n' | sort)
[[ "$before" == "$after" ]] || fail "verify changed the directory"

# repair keeps the intact blocks, quarantines the damaged file, reports the loss; verify then
# passes and the directory opens.
expect_exit 0 "$strata" repair "$dir"
expect_in "$work/out" "loss(es) reported"
expect_in "$work/out" "the directory now passes verify"
[[ -n $(find "$dir/quarantine" -name "$(basename "$seg")") ]] || fail "the damaged segment is not in quarantine/"
expect_exit 0 "$strata" verify "$dir"
expect_in "$work/out" "no damage found"
expect_exit 0 "$strata" query "$dir" cpu
expect_exit 0 "$strata" repair "$dir"
expect_in "$work/out" "no damage found; nothing changed"

if ((failures)); then
  echo "cli_smoke: $failures failure(s)" >&2
  exit 1
fi
echo "cli_smoke: all checks passed"
