import { applyScenarios } from './apply.js';
import { changeScenarios } from './changes.js';
import { clientScenarios } from './clients.js';
import { deleteScenarios } from './delete.js';
import { failureScenarios } from './failures.js';
import { labelAndDiffScenarios } from './labels-diff.js';
import { startSession, stopSession, type Session } from './support/session.js';

// User scenarios: one real `okube up` (API server, embedded etcd, controllers, the test engine as
// its Node) driven only through real clients (kubectl, okube's CLI, a Python program on the
// official client, a client-node program), each step interleaved with the controllers' own status
// writes. Every test has its own namespace and names; every step checks the exit status and the
// object as a client reads it back.

describe('user scenarios against okube up', function () {
  this.timeout(180_000);
  let s: Session | undefined;
  const session = (): Session => {
    if (!s) throw new Error('okube up did not start (see before all hook)');
    return s;
  };

  before(async function () {
    this.timeout(120_000);
    s = await startSession();
  });
  after(async function () {
    this.timeout(120_000);
    await stopSession(s);
  });

  applyScenarios(session);
  changeScenarios(session);
  labelAndDiffScenarios(session);
  clientScenarios(session);
  deleteScenarios(session);
  // Last: slow stops may keep the controllers busy for a while after their test.
  failureScenarios(session);
});
