# Checks shared by the CLI tests (cli_smoke.sh, issue_20_cli.sh), sourced after they set `work`
# (a scratch directory) and `failures=0`. A failed check prints what and why to stderr and counts in
# `failures`; the test exits non-zero at its end when that is not 0.
#   expect_exit CODE CMD...  runs CMD with stdout in $work/out and stderr in $work/err
#   expect_in FILE TEXT      FILE contains TEXT
#   expect_lines FILE N      FILE has N lines
#   expect_empty FILE        FILE is empty

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_exit() {
  local want=$1; shift
  local got=0
  "$@" >"$work/out" 2>"$work/err" || got=$?
  if [[ $got -ne $want ]]; then
    fail "exit $got, want $want: $*"
    sed 's/^/  stdout: /' "$work/out" >&2
    sed 's/^/  stderr: /' "$work/err" >&2
  fi
}
expect_in() {
  grep -qF -- "$2" "$1" || { fail "'$2' not in $(basename "$1"):"; sed 's/^/  /' "$1" >&2; }
}
expect_lines() {
  local n; n=$(wc -l <"$1")
  [[ $n -eq $2 ]] || { fail "$(basename "$1"): $n lines, want $2"; sed 's/^/  /' "$1" >&2; }
}
expect_empty() { [[ ! -s "$1" ]] || { fail "$(basename "$1") is not empty:"; sed 's/^/  /' "$1" >&2; }; }
