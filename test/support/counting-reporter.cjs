// Mocha reporter: the usual spec output, plus an honest count written to $OKUBE_TEST_COUNTS
// (passed, failed, pending) so hack/test.sh can print "N passed, N failed". Hook failures
// count as failures; a run that never reaches 'end' leaves no file, which test.sh treats as a crash.
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');
const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, pending: 0 };
    runner.on(EVENT_TEST_PASS, () => counts.passed++);
    runner.on(EVENT_TEST_FAIL, () => counts.failed++);
    runner.on(EVENT_TEST_PENDING, () => counts.pending++);
    runner.once(EVENT_RUN_END, () => {
      if (process.env.OKUBE_TEST_COUNTS) writeFileSync(process.env.OKUBE_TEST_COUNTS, JSON.stringify(counts));
    });
  }
}
module.exports = CountingReporter;
