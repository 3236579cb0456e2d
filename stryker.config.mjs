// Mutation testing of the pure decision modules (npm run mutation; not part of CI: a full run
// takes several minutes on two cores). Stryker changes one thing at a time in these files and
// runs the unit tests that cover it; a mutant that no test notices is a behaviour nobody checks.
//
// Mutants left alive on purpose, because no input can tell them from the original (equivalent):
//   src/backoff/policy.ts
//     shouldRestart's default reason 'Exited' → '': only 'Unhealthy' is ever compared.
//     seconds(): `!a || !b` → false / `&&`, and `ranFor !== undefined` → true: a missing time
//       gives NaN, and NaN >= resetAfterSeconds is false just like undefined.
//     `prev?.recentRestarts ?? []` and `recent ?? []` → ["Stryker was here"]: Date.parse of that
//       string is NaN, which the window filter drops.
//     `s.maxRestarts !== undefined` → true: `n >= undefined` is false anyway.
//   src/controllers/scheduler/scheduling.ts
//     hostPortsOf `?? []` → ["Stryker was here"]: a string has no hostPort, the filter drops it.
//     free(): `cap <= 0` → false / `cap < 0`, `used > cap` → `>=`: every Demand has a non-zero
//       scoring request (demandOf's defaults), so used > cap whenever cap <= 0, and used == cap
//       gives 0 % free either way.
//     `n.name < best.n.name` → `<=`: Node names are unique.
//   src/controllers/task/plan.ts and plan/ (its steps; the names below are theirs)
//     exit.ts: exitReason's restartReason 'OOMKilled' / 'Exited' → '': only 'Unhealthy' is compared.
//     recordExit's 'wait' vs 'restart' (`remainingMs > 0` → false, its strings, and
//       `decision === 'wait'` → false in exitBookkeeping): a 'wait' that falls through meets the same
//       backoff check (backoffWait) and returns the same requeue.
//     `?? ''` → "Stryker was here!" before BACKOFF_REASONS.has: neither is a backoff reason.
//     imagePullPolicy default 'IfNotPresent' → '': only 'Never' is compared.
//     `previous.id !== exited.id` → true: previous is an older container than exited, never it.
//     `status.state?.waiting?.reason ?? 'ContainerCreating'` in the Ready condition (three
//       mutants): state.waiting was set on the line before.
//     `status.conditions ?? []` → [...] before dropping ProbeRestartLimited: Scheduled was set
//       earlier in the same plan, so conditions is never undefined there.
//     'Always' in the "restartPolicy … does not restart it" message: Always always restarts.
//     restartOnRequest's 'Retried' stop reason (and `req.kind === 'restart'` → true): a retry is
//       only pending for a container that is not running, so it never stops one.
//     exitRecorded's `lastState?.terminated?.containerID` → `terminated.containerID`: lastState
//       is only ever written with a terminated entry.
//   Not yet judged (left when stops and pulls moved out of the workers; plan.ts 96.3 % after
//   tests for them): in context.ts, `c.running ?` → true in stopping(), the
//   kind test in pulling's find, `o !== undefined` → true in finish(), and the Stopping-condition
//   cleanup's `some(...)` guard (its filter does the same work), plus the `?? ''`/optional-chain
//   variants of the pulling Ready reason next to the ones listed above.
//   Not equivalent, left uncovered: running.ts's `?? ''` after the restart label in the
//   "restarted on request (…=)" message, reached only when a retry (not a restart) replaced a
//   running container, which pendingRequest never asks for. And backoff.ts's pullFailed step
//   (PlanInput.pullFailure; 11 mutants): the unit tests pin imagePullFailed, which it wraps; no
//   test plans with a pullFailure yet (the refactoring that made it an input added no tests).
//   src/apiserver/selectors.ts
//     `case '!':` emptied: falling through to '=' compares the value with undefined, which
//       gives the same verdict for a present and an absent label.
//     parseFieldSelector's `m[1].trim()`: each part is trimmed already and the lazy field
//       group stops before the spaces in front of the operator.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  mochaOptions: {
    config: '.mocharc.json',
    spec: [
      'test/unit/backoff/**/*.test.ts',
      'test/unit/controllers/task/**/*.test.ts',
      'test/unit/controllers/scheduler/**/*.test.ts',
      'test/unit/apiserver/selectors.test.ts',
    ],
  },
  // The runner loads the test files in its own process, not through mocha's CLI, so .mocharc's
  // node-option (import=tsx) does not apply: load tsx into the runner's Node instead.
  testRunnerNodeArgs: ['--import', 'tsx'],
  mutate: ['src/backoff/**/*.ts', 'src/controllers/task/plan.ts', 'src/controllers/task/plan/**/*.ts', 'src/controllers/scheduler/scheduling.ts', 'src/apiserver/selectors.ts'],
  coverageAnalysis: 'perTest',
  // The machine is shared; `npx stryker run --incremental` reuses the last report while working,
  // but it can keep stale verdicts for static mutants (module-level regular expressions).
  concurrency: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  thresholds: { high: 90, low: 85, break: 85 },
  // A mutated selector regular expression can backtrack for minutes: a timeout counts as killed.
  timeoutMS: 5000,
  ignorePatterns: ['.okube', 'coverage', 'reports', 'test/chaos', 'test/integration'],
};
