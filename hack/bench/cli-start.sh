#!/usr/bin/env bash
# Start-up cost of an okube client command against kubectl's, one running API server:
# `okube get tasks -A` and `kubectl get tasks -A` run in turn (A B A B …) after one warm-up each,
# each timed whole-process by bash's `time` (wall, and user+sys CPU of the child). Prints the
# median and min–max of each and the median of the per-pair ratios (pairs share the machine's
# load at that moment, so the ratio holds when the machine is noisy and absolute times do not).
# Usage: KUBECONFIG=… hack/bench/cli-start.sh [RUNS]   (default 10; needs `npm run build`)
#        OKUBE='node /path/to/other/bin/okube.js' to time another okube (e.g. an older checkout).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
okube=${OKUBE:-node bin/okube.js}
[ -n "${KUBECONFIG:-}" ] || { echo "error: set KUBECONFIG to a running okube (okube up prints it)" >&2; exit 1; }
[ "$okube" != "node bin/okube.js" ] || npm run --silent build >/dev/null

sample() { # prints "wall cpu" of one run of "$@"
  local TIMEFORMAT='%R %U %S' t
  t=$({ time "$@" >/dev/null 2>&1; } 2>&1) || { echo "error: $* failed" >&2; exit 1; }
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$t"
}
# shellcheck disable=SC2086
sample $okube get tasks -A >/dev/null
sample kubectl get tasks -A >/dev/null
a=() b=()
for _ in $(seq "$runs"); do
  # shellcheck disable=SC2086
  a+=("$(sample $okube get tasks -A)")
  b+=("$(sample kubectl get tasks -A)")
done

stats() { # median min max of the numbers on stdin
  sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f (%.3f–%.3f)", m, v[1], v[NR] }'
}
col() { printf '%s\n' "$@" | awk -v c="$col" '{ print $c }'; }
echo "okube: $okube get tasks -A; kubectl: kubectl get tasks -A; $runs pairs after 1 warm-up each"
for col in 1 2; do
  name=$([ "$col" = 1 ] && echo "wall s" || echo "cpu s ")
  ratios=$(paste <(col "${a[@]}") <(col "${b[@]}") | awk '{ printf "%.2f\n", $1 / $2 }' | stats)
  printf '%s  okube %s  kubectl %s  okube/kubectl %s\n' "$name" "$(col "${a[@]}" | stats)" "$(col "${b[@]}" | stats)" "$ratios"
done
