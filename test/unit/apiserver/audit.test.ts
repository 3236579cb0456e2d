import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, auditLevel, DEFAULT_AUDIT_POLICY, parseAuditPolicy } from '../../../src/apiserver/audit.js';
import { requestContext } from './request-fixture.js';
import { ADMIN, authenticatedUser } from '../../../src/apiserver/auth/user.js';
import { isOkubeError } from '../../../src/util/errors.js';

// The audit log: kube's Policy format decides the level, events are audit.k8s.io/v1 JSON lines,
// the file rotates by size.

const lookup = (g: string, v: string, p: string) => (g === '' && v === 'v1' && p === 'secrets' ? { namespaced: true } : undefined);
const base = { user: 'jane', groups: ['devs'], verb: 'get', resourceRequest: true, group: '', resource: 'secrets', subresource: '', namespace: 'a', path: '/api/v1/namespaces/a/secrets/s' };

describe('audit log', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'okube-audit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the level of the first rule that matches, None when none does', () => {
    const policy = parseAuditPolicy(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    users: [system:kube-proxy]
  - level: RequestResponse
    resources: [{ group: "", resources: [secrets] }]
  - level: Metadata
    verbs: [create, delete]
`);
    expect(auditLevel(policy, base)).to.equal('RequestResponse');
    expect(auditLevel(policy, { ...base, user: 'system:kube-proxy' })).to.equal('None');
    expect(auditLevel(policy, { ...base, resource: 'configmaps', verb: 'create' })).to.equal('Metadata');
    expect(auditLevel(policy, { ...base, resource: 'configmaps' })).to.equal('None');
  });

  it('by default records everything but the health probes', () => {
    expect(auditLevel(DEFAULT_AUDIT_POLICY, base)).to.equal('Metadata');
    expect(auditLevel(DEFAULT_AUDIT_POLICY, { ...base, resourceRequest: false, resource: '', path: '/readyz' })).to.equal('None');
  });

  it('refuses a policy with an unknown level, naming the rule', () => {
    let err: unknown;
    try {
      parseAuditPolicy('rules:\n  - level: Everything\n');
    } catch (e) {
      err = e;
    }
    expect(isOkubeError(err, 'ConfigError')).to.equal(true);
    expect((err as Error).message).to.include('rules[0].level');
  });

  it('writes an audit.k8s.io/v1 Event per request, 0600, naming the real user of an impersonated request', async () => {
    const log = new AuditLog({ path: join(dir, 'audit.log') });
    const { ctx } = requestContext('GET', '/api/v1/namespaces/a/secrets/s', { lookup, headers: { 'user-agent': 'kubectl/v1.32' } });
    ctx.user = authenticatedUser('jane', ['devs']);
    ctx.impersonatedBy = ADMIN;
    log.record(ctx, 'audit-1', 403, new Date('2026-01-01T00:00:00Z'));
    await log.close();
    expect(statSync(join(dir, 'audit.log')).mode & 0o777).to.equal(0o600);
    const ev = JSON.parse(readFileSync(join(dir, 'audit.log'), 'utf8').trim()) as Record<string, unknown>;
    expect(ev).to.deep.include({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: 'audit-1', stage: 'ResponseComplete', verb: 'get', requestURI: '/api/v1/namespaces/a/secrets/s', userAgent: 'kubectl/v1.32' });
    expect(ev.user).to.deep.include({ username: 'okube-admin' });
    expect(ev.impersonatedUser).to.deep.equal({ username: 'jane', groups: ['devs', 'system:authenticated'] });
    expect(ev.objectRef).to.deep.equal({ resource: 'secrets', namespace: 'a', name: 's', apiGroup: '', apiVersion: 'v1' });
    expect(ev.responseStatus).to.deep.equal({ metadata: {}, code: 403 });
    expect(ev.annotations).to.deep.equal({ 'authorization.k8s.io/decision': 'forbid' });
  });

  it('rotates at the size limit and keeps at most maxBackups old files', async () => {
    const log = new AuditLog({ path: join(dir, 'audit.log'), maxSizeBytes: 2000, maxBackups: 2 });
    for (let i = 0; i < 40; i++) {
      const { ctx } = requestContext('GET', '/api/v1/namespaces/a/secrets/s', { lookup });
      ctx.user = ADMIN;
      log.record(ctx, `id-${i}`, 200, new Date());
      await new Promise((r) => setImmediate(r));
    }
    await log.close();
    expect(readdirSync(dir).sort()).to.deep.equal(['audit.log', 'audit.log.1', 'audit.log.2']);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).size, f).to.be.at.most(2000);
  });
});
