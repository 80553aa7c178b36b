#!/usr/bin/env bash
# `npm run check`, the README's test command: build, then the static checks (typecheck, lint,
# format check, unused code) and the whole test suite with coverage, at the same time.
#
# The tests leave part of the machine idle (they wait on child processes, simulated latency and
# retry back-off); the static checks, each one process on one core, fill it. The end-to-end tests
# run the build, so it comes first. The tests' output streams as they run; each static check's
# output is printed whole once the tests end. The exit status is 1 when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# build:emit emits without checking types: typecheck checks the same sources (and the tests).
if ! npm run --silent build:emit; then
  echo "✖ build:emit"
  exit 1
fi
echo "✔ build:emit"

steps=(typecheck lint format:check knip)
pids=()
for step in "${steps[@]}"; do
  npm run --silent "$step" >"$logs/$step.log" 2>&1 &
  pids+=($!)
done

status=0
npm run --silent test:coverage || status=1

for i in "${!steps[@]}"; do
  if wait "${pids[$i]}"; then
    echo "✔ ${steps[$i]}"
  else
    status=1
    echo "✖ ${steps[$i]}"
    cat "$logs/${steps[$i]}.log"
  fi
done
exit "$status"
