#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into ./build-fuzz and runs each for SECONDS
# (default 60), starting from its seed corpus (tests/fuzz/corpus/TARGET) and
# its kept regressions. Prints one summary line per target; exits non-zero
# when any target crashes, leaks, hits UB or runs out of memory. A crashing
# input is left in build-fuzz/crashes/TARGET/ — fix the loader, then copy the
# input to tests/fuzz/regressions/TARGET/ (replayed by every `meson test`).
#
#   tools/fuzz.sh [SECONDS] [TARGET...]       e.g. tools/fuzz.sh 30 pth pickle
#
# Environment: FUZZ_JOBS (parallel targets, default 1), FUZZ_BUILD (the build
# folder, default build-fuzz). See docs/RELIABILITY.md.
set -eu
"$(dirname "$0")/setup.sh"
cd "$(dirname "$0")/.."
seconds="${1:-60}"
[ $# -gt 0 ] && shift
targets="${*:-model class-set profile label-map image-png photo-jpeg pickle pth project}"
build="${FUZZ_BUILD:-build-fuzz}"
jobs="${FUZZ_JOBS:-1}"

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link -Dbuildtype=debugoptimized
fi
ninja_targets=""
for t in $targets; do ninja_targets="$ninja_targets tests/fuzz/fuzz-$t"; done
# shellcheck disable=SC2086
nice -n 5 ninja -C "$build" -j2 $ninja_targets

# Largest input each target mutates: well above its seeds and any real small
# file, small enough to keep the executions fast.
max_len () {
  case "$1" in
    model) echo 16384 ;;
    pth|project) echo 16384 ;;
    label-map|image-png|photo-jpeg) echo 8192 ;;
    *) echo 8192 ;;
  esac
}

export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:allocator_may_return_null=1:symbolize=1"
root="$(pwd)"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export G_SLICE=always-malloc
export G_DEBUG=gc-friendly

status=0
run_one () {
  t="$1"
  work="$build/fuzz-work/$t"
  crashes="$build/crashes/$t"
  rm -rf "$work"
  mkdir -p "$work" "$crashes"
  log="$build/fuzz-$t.log"
  # the corpus libFuzzer grows goes to $work; the committed seeds stay as they are
  set +e
  dirs="tests/fuzz/corpus/$t"
  [ -d "tests/fuzz/regressions/$t" ] && dirs="$dirs tests/fuzz/regressions/$t"
  # shellcheck disable=SC2086
  nice -n 5 "$build/tests/fuzz/fuzz-$t" "$work" $dirs \
    -max_total_time="$seconds" -max_len="$(max_len "$t")" -rss_limit_mb=2560 -malloc_limit_mb=2048 -timeout=25 \
    -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz $t: ok, ${seconds} s, ${execs:-?} runs, coverage ${cov:-?}"
  else
    echo "fuzz $t: FAILED (exit $rc), ${execs:-?} runs; input in $crashes/, log $log"
    grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|ERROR \*\*|out-of-memory|Timeout' "$log" || true
    return 1
  fi
}

mkdir -p "$build"
if [ "$jobs" -gt 1 ]; then
  # batches of $jobs targets at a time
  # shellcheck disable=SC2086
  set -- $targets
  while [ $# -gt 0 ]; do
    pids=""
    batch=""
    n=0
    while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
      run_one "$1" >"$build/fuzz-$1.summary" 2>&1 &
      pids="$pids $!"
      batch="$batch $1"
      n=$((n + 1))
      shift
    done
    for p in $pids; do wait "$p" || status=1; done
    for t in $batch; do cat "$build/fuzz-$t.summary"; done
  done
else
  for t in $targets; do run_one "$t" || status=1; done
fi
if [ "$status" -eq 0 ]; then echo "fuzz: every target ran ${seconds} s without a crash"; else echo "fuzz: FAILED"; fi
exit "$status"
