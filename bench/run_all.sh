#!/usr/bin/env bash
# Run every benchmark at its default size; print each one's output, then the result lines.
# Usage: bench/run_all.sh            (from anywhere; uses .venv/bin/python of the checkout)
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
failed=0

# Benches whose default size runs longer than this script's budget (minutes): smaller here.
# import: the default 2.6 M cases (one Ningbo year) takes ~30 min on 2 cores (bench/README.md).
declare -A size_args=([import]="--size 200000" [evaluation]="--size 100000 --repeat 10" [map]="--size 200000 --repeat 10" [cockpit_live]="--rest 30 --changes 3" [cockpit_soak]="--minutes 10" [signs]="--size 100000" [pages]="--size 200000")

for bench in "$root"/bench/[!_]*.py; do
    name="$(basename "$bench" .py)"
    echo "=== $name"
    # shellcheck disable=SC2086  # the arguments are meant to split
    output="$("$python" "$bench" ${size_args[$name]:-} 2>&1)"
    status=$?
    echo "$output"
    if [ "$status" -eq 0 ]; then
        echo "$output" | tail -n 1 >>"$results"
    else
        echo "{\"bench\": \"$name\", \"error\": \"exit status $status\"}" >>"$results"
        failed=1
    fi
done

echo "=== results (one JSON object per bench, DESIGN.md 'Benchmarks')"
cat "$results"
exit "$failed"
