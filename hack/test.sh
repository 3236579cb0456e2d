#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine (as root): brings up the real test
# environment (Docker engines, etcd, test images), installs npm dependencies when missing,
# compiles src/ to dist/ (npm run build), runs unit, integration, user-scenario (test/scenarios:
# one okube up driven by kubectl, okube's CLI, the Python client and client-node) and chaos tests (test/chaos: OKUBE_SOAK=1 for the long
# variant), and ends with one line "N passed, N failed".
# Extra arguments go to mocha (e.g. a file or --grep).
set -uo pipefail
cd "$(dirname "$0")/.."

bash hack/dev-env.sh hosts 3 && bash hack/dev-env.sh netns-hosts 3 || { echo "0 passed, 1 failed"; echo "test environment failed to come up" >&2; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund || { echo "0 passed, 1 failed"; exit 1; }
# Tests spawn the compiled CLI (bin/okube.js → dist/); the build is skipped when dist/ is current.
npm run --silent build || { echo "0 passed, 1 failed"; echo "npm run build failed" >&2; exit 1; }

counts=$(mktemp)
rm -f "$counts"
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=('test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/scenarios/**/*.test.ts' 'test/chaos/**/*.test.ts')
OKUBE_TEST_COUNTS=$counts npx mocha --timeout 120000 --reporter test/support/counting-reporter.cjs "${specs[@]}"
status=$?

if [ ! -s "$counts" ]; then
  echo "mocha exited ($status) without finishing the run" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
read -r passed failed pending < <(node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(c.passed,c.failed,c.pending)' "$counts")
rm -f "$counts"
line="$passed passed, $failed failed"
[ "$pending" -gt 0 ] && line="$line, $pending skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
