#!/usr/bin/env bash
# Start-up cost of okube's commands against a reference measured in the same run:
#  1. `okube up` to ready (embedded etcd, the Docker engine as a Node, HAProxy unless --no-proxy
#     is in UP_ARGS): wall time from the command's start until it prints "okube is up", for one
#     start on a fresh data dir (certificates made) and RUNS restarts on that data dir (what a user
#     sees running it again); each stopped with SIGINT before the next. Beside the wall time, the
#     CPU (user + sys, from /proc) the okube up process used until that line: with the machine
#     busy, wall time is mostly waiting for a core and only the CPU compares between runs.
#  2. `okube get tasks -A` and `kubectl get tasks -A` against that last `okube up`, in turn
#     (A B A B …) after one warm-up each, both with a warm discovery cache (KUBECACHEDIR, a temp
#     dir) as users have; each timed whole-process by bash's `time` (wall, and user+sys CPU).
#     Beside them, in the same rounds, the floor any Node.js client pays before its own code:
#     `node -e 0`, and `node` making its first TLS context (Node 20 builds its bundled root
#     store — ~140 certificates parsed — on the first one, even when a `ca` is given; with
#     NODE_EXTRA_CA_CERTS set, that work moves to every node start instead).
# Prints median and min–max of each and the median of the per-pair ratios (pairs share the
# machine's load at that moment, so the ratio holds when the machine is noisy and absolute times
# do not), with the load average before and after.
# Usage: hack/bench/cli-start.sh [--up-only] [RUNS]   (default 5; builds dist/ when stale;
#        --up-only: part 1 only)
#        DOCKER_HOST=unix:///… (default $OKUBE_TEST_DOCKER_HOST, else /var/run/docker.sock)
#        OKUBE='node /path/to/other/bin/okube.js' to time another okube (e.g. an older checkout).
#        OKUBE_REF='node /path/to/older/bin/okube.js' to time a second okube's get in the same
#        rounds (A B R A B R …), with its ratio to kubectl: a change measured against its parent.
set -euo pipefail
cd "$(dirname "$0")/../.."
up_only=
[ "${1:-}" != --up-only ] || { up_only=1; shift; }
runs=${1:-5}
okube=${OKUBE:-node bin/okube.js}
docker_host=${DOCKER_HOST:-${OKUBE_TEST_DOCKER_HOST:-unix:///var/run/docker.sock}}
[ "$okube" != "node bin/okube.js" ] || npm run --silent build >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/okube-cli-start.XXXXXX")
export KUBECACHEDIR=$work/kubecache
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
up_pid=
stop_up() {
  [ -n "$up_pid" ] || return 0
  kill -INT "$up_pid" 2>/dev/null || true
  wait "$up_pid" 2>/dev/null || true
  up_pid=
}
trap 'stop_up; rm -rf "$work"' EXIT

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s.%N; }
# Starts okube up in the background (up_pid); sets `elapsed` to the seconds until it said "okube is up"
# and `cpu` to the CPU seconds (user + sys) the process had used by then.
start_up() {
  local log=$work/up.log t0
  : >"$log"
  t0=$(now)
  # shellcheck disable=SC2086
  $okube up --data-dir "$work/data" --listen "127.0.0.1:$port" --docker-host "$docker_host" --node-name "bench-cli-$$" ${UP_ARGS:-} >"$log" 2>&1 &
  up_pid=$!
  until grep -q '^okube is up' "$log"; do
    kill -0 "$up_pid" 2>/dev/null || { echo "error: okube up exited:" >&2; tail -5 "$log" >&2; exit 1; }
    sleep 0.01
  done
  elapsed=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }')
  # utime and stime are fields 14 and 15 of /proc/PID/stat (after the command name in parentheses).
  cpu=$(sed 's/^.*) //' "/proc/$up_pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($12 + $13) / hz }')
}

stats() { # median min max of the numbers on stdin
  sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f (%.3f–%.3f, n=%d)", m, v[1], v[NR], NR }'
}

echo "load average before: $(loadavg)"
start_up
fresh=$elapsed fresh_cpu=$cpu
stop_up
ups=() cpus=()
for i in $(seq "$runs"); do
  start_up
  ups+=("$elapsed")
  cpus+=("$cpu")
  [ "$i" = "$runs" ] || stop_up
  echo "  run $i: wall $elapsed s, cpu $cpu s, load $(loadavg)"
done
echo "okube up → ready, wall (s): fresh data dir $fresh; again on it $(printf '%s\n' "${ups[@]}" | stats)"
echo "okube up → ready, CPU of the okube up process (s): fresh data dir $fresh_cpu; again on it $(printf '%s\n' "${cpus[@]}" | stats)"
if [ -n "$up_only" ]; then
  echo "load average after: $(loadavg)"
  exit 0
fi

export KUBECONFIG=$work/data/kubeconfig
sample() { # prints "wall cpu" of one run of "$@"
  local TIMEFORMAT='%R %U %S' t
  t=$({ time "$@" >/dev/null 2>&1; } 2>&1) || { echo "error: $* failed" >&2; exit 1; }
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$t"
}
# shellcheck disable=SC2086
sample $okube get tasks -A >/dev/null
sample kubectl get tasks -A >/dev/null
okube_ref=${OKUBE_REF:-}
# shellcheck disable=SC2086
[ -z "$okube_ref" ] || sample $okube_ref get tasks -A >/dev/null
a=() b=() r=() n0=() n1=()
for _ in $(seq "$runs"); do
  # shellcheck disable=SC2086
  a+=("$(sample $okube get tasks -A)")
  b+=("$(sample kubectl get tasks -A)")
  # shellcheck disable=SC2086
  [ -z "$okube_ref" ] || r+=("$(sample $okube_ref get tasks -A)")
  n0+=("$(sample node -e 0)")
  n1+=("$(sample node -e "require('node:tls').createSecureContext({})")")
done
col() { printf '%s\n' "$@" | awk -v c="$col" '{ print $c }'; }
echo "okube: $okube get tasks -A; kubectl: kubectl get tasks -A; $runs pairs after 1 warm-up each, warm discovery caches"
echo "floor, same rounds: \`node -e 0\`, and node making its first TLS context; NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-(unset)}"
for col in 1 2; do
  name=$([ "$col" = 1 ] && echo "wall s" || echo "cpu s ")
  ratios=$(paste <(col "${a[@]}") <(col "${b[@]}") | awk '{ printf "%.2f\n", $1 / $2 }' | stats)
  printf '%s  okube %s  kubectl %s  okube/kubectl %s\n' "$name" "$(col "${a[@]}" | stats)" "$(col "${b[@]}" | stats)" "$ratios"
  if [ -n "$okube_ref" ]; then
    ref_ratios=$(paste <(col "${r[@]}") <(col "${b[@]}") | awk '{ printf "%.2f\n", $1 / $2 }' | stats)
    printf '%s  reference okube (%s) %s  reference/kubectl %s\n' "$name" "$okube_ref" "$(col "${r[@]}" | stats)" "$ref_ratios"
  fi
  floor=$(paste <(col "${n1[@]}") <(col "${b[@]}") | awk '{ printf "%.2f\n", $1 / $2 }' | stats)
  printf '%s  node -e 0 %s  node + first TLS context %s  (that ÷ kubectl %s)\n' "$name" "$(col "${n0[@]}" | stats)" "$(col "${n1[@]}" | stats)" "$floor"
done
echo "load average after: $(loadavg)"
