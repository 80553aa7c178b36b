#!/usr/bin/env bash
# The static half of `npm run check`: typecheck, lint, format check, unused code (knip) and build,
# run at once (each is one process on one core; together they take the time of the slowest instead
# of the sum).
# Each one's output is printed whole once it ends; the exit status is 1 when any of them failed.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# build:emit emits without checking types: typecheck checks the same sources (and the tests).
steps=(typecheck lint format:check knip build:emit)
pids=()
for step in "${steps[@]}"; do
  npm run --silent "$step" >"$logs/$step.log" 2>&1 &
  pids+=($!)
done
status=0
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
