import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { CRD_DIR, startTestServer, type TestServer } from '../apiserver/helpers.js';
import { okube } from '../../support/okube-cli.js';

// `okube drain` finds the Tasks of a Node with a server-side field selector on spec.nodeName (a
// selectable field of the Task CRD), and against an API server without it (Kubernetes before
// 1.31) lists every Task and picks them out itself — the same Tasks either way.

const TASKS = [
  ['on-n1-a', 'n1'],
  ['on-n1-b', 'n1'],
  ['on-n2', 'n2'],
  ['unbound', undefined],
] as const;

for (const side of ['selectable', 'without selectableFields'] as const) {
  describe(`okube drain against an API server ${side === 'selectable' ? 'whose Task CRD has selectable fields' : 'whose Task CRD has no selectableFields'}`, function () {
    this.timeout(60_000);
    let ts: TestServer;
    let crds: string | undefined;
    const lists: string[] = [];

    before(async () => {
      if (side !== 'selectable') {
        crds = mkdtempSync(join(tmpdir(), 'okube-crds-'));
        cpSync(CRD_DIR, crds, { recursive: true });
        const file = join(crds, 'tasks.okube.dev.yaml');
        const text = readFileSync(file, 'utf8').replace(/\n {6}selectableFields:\n( {8}- jsonPath: .*\n)+/, '\n');
        expect(text).to.not.match(/^ *selectableFields:$/m);
        writeFileSync(file, text);
      }
      ts = await startTestServer(new MemoryStore(), {
        ...(crds ? { crdDir: crds } : {}),
        observeRequest: (req: IncomingMessage) => {
          if (req.method === 'GET' && /\/tasks\?/.test(req.url ?? '')) lists.push(decodeURIComponent(req.url ?? ''));
        },
      });
      const manifest = [
        ...['n1', 'n2'].map((n) => `apiVersion: okube.dev/v1alpha1\nkind: Node\nmetadata:\n  name: ${n}\nspec:\n  dockerHost: unix:///nonexistent/${n}.sock\n`),
        ...TASKS.map(([name, node]) => `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  image: busybox\n${node ? `  nodeName: ${node}\n` : ''}`),
      ].join('---\n');
      const applied = await okube(['apply', '-f', '-'], { kubeconfig: ts.kubeconfig, input: manifest });
      expect(applied.code, applied.stderr).to.equal(0);
    });
    after(async () => {
      await ts?.stop();
      if (crds) rmSync(crds, { recursive: true, force: true });
    });

    it("evicts exactly the Node's Tasks, and says it timed out waiting with no controllers to move them", async () => {
      lists.length = 0;
      const r = await okube(['drain', 'n1', '--timeout', '1'], { kubeconfig: ts.kubeconfig });
      expect(r.stdout.split('\n').filter((l) => l.startsWith('evicting')).sort()).to.deep.equal(['evicting task default/on-n1-a', 'evicting task default/on-n1-b']);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.not.match(/\n\s+at /);
      const selected = lists.filter((u) => u.includes('fieldSelector=spec.nodeName=n1'));
      if (side === 'selectable') {
        expect(selected.length, lists.join('\n')).to.be.greaterThan(0);
        expect(lists.filter((u) => !u.includes('fieldSelector')), 'lists without the selector').to.deep.equal([]);
      } else {
        // One refused try, then every list without it.
        expect(selected.length, lists.join('\n')).to.equal(1);
        expect(lists.filter((u) => !u.includes('fieldSelector')).length).to.be.greaterThan(0);
      }
    });
  });
}
