import { expect } from 'chai';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SignJWT } from 'jose';
import { serviceAccountAuthenticator } from '../../../../src/apiserver/auth/authenticator.js';
import { API_AUDIENCE, looksLikeJwt, ServiceAccountTokens } from '../../../../src/apiserver/auth/service-account-tokens.js';
import { tokenRequestSpec } from '../../../../src/apiserver/token-request.js';

// ServiceAccount tokens: what the token subresource signs and what the authenticator accepts.

const keyPem = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const sa = { namespace: 'team', name: 'ci', uid: 'uid-1' };
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as unknown as IncomingMessage;

describe('ServiceAccount tokens', () => {
  const tokens = new ServiceAccountTokens(keyPem());

  it('verifies a token it issued for the API server\'s audience as the account it names', async () => {
    const { token, expirationTimestamp } = await tokens.issue(sa, [API_AUDIENCE], 3600, new Date('2026-12-04T10:00:00Z'));
    expect(looksLikeJwt(token)).to.equal(true);
    expect(expirationTimestamp).to.equal('2026-12-04T11:00:00Z');
    expect(await tokens.verify(token, new Date('2026-12-04T10:30:00Z'))).to.deep.equal(sa);
  });

  it('refuses an expired token, one for another audience, one signed with another key, and an altered one', async () => {
    const at = new Date('2026-12-04T10:00:00Z');
    const { token } = await tokens.issue(sa, [API_AUDIENCE], 600, at);
    expect(await tokens.verify(token, new Date('2026-12-04T10:11:00Z')), 'expired').to.equal(undefined);
    expect(await tokens.verify((await tokens.issue(sa, ['vault'], 600, at)).token, at), 'other audience').to.equal(undefined);
    expect(await tokens.verify((await new ServiceAccountTokens(keyPem()).issue(sa, [API_AUDIENCE], 600, at)).token, at), 'other key').to.equal(undefined);
    const [h, p, sig] = token.split('.');
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'system:serviceaccount:team:admin' })).toString('base64url');
    expect(await tokens.verify(`${h}.${altered}.${sig}`, at), 'altered').to.equal(undefined);
  });

  it('accepts a token up to a minute before its nbf, as kube allows replicas\' clocks to differ', async () => {
    const at = new Date('2026-12-04T10:00:00Z');
    const { token } = await tokens.issue(sa, [API_AUDIENCE], 600, at);
    expect(await tokens.verify(token, new Date('2026-12-04T09:59:30Z')), '30 s behind').to.deep.equal(sa);
    expect(await tokens.verify(token, new Date('2026-12-04T09:58:00Z')), '2 min behind').to.equal(undefined);
  });

  it('refuses a validly signed token whose subject does not match the account it names', async () => {
    const key = keyPem();
    const mine = new ServiceAccountTokens(key);
    const forged = await new SignJWT({ 'kubernetes.io': { namespace: 'team', serviceaccount: { name: 'ci', uid: 'uid-1' } } })
      .setProtectedHeader({ alg: 'ES256' }).setIssuer('okube').setAudience(API_AUDIENCE).setSubject('system:serviceaccount:team:other').setExpirationTime('1h').sign(createPrivateKey(key));
    expect(await mine.verify(forged)).to.equal(undefined);
  });

  it('authenticates as system:serviceaccount:NS:NAME with its groups and uid, only while the account has that uid', async () => {
    const { token } = await tokens.issue(sa, [API_AUDIENCE], 3600);
    let uid: string | undefined = 'uid-1';
    const authn = serviceAccountAuthenticator(tokens, async () => uid);
    expect(await authn.authenticate(bearer(token))).to.deep.equal({ authenticated: true, name: 'system:serviceaccount:team:ci', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'], uid: 'uid-1' });
    uid = 'uid-2';
    expect(await authn.authenticate(bearer(token)), 're-created account').to.equal(undefined);
    uid = undefined;
    expect(await authn.authenticate(bearer(token)), 'deleted account').to.equal(undefined);
    expect(await authn.authenticate(bearer('not-a-jwt')), 'another kind of token').to.equal(undefined);
  });
});

describe('TokenRequest spec', () => {
  it('defaults to the API server\'s audience and an hour', () => {
    expect(tokenRequestSpec('ci', {})).to.deep.equal({ audiences: [API_AUDIENCE], expirationSeconds: 3600 });
    expect(tokenRequestSpec('ci', { spec: { audiences: ['vault'], expirationSeconds: 7200 } })).to.deep.equal({ audiences: ['vault'], expirationSeconds: 7200 });
  });

  it('refuses less than ten minutes and a boundObjectRef, naming each field', () => {
    let err: unknown;
    try {
      tokenRequestSpec('ci', { spec: { expirationSeconds: 60, boundObjectRef: { kind: 'Secret', name: 'x' } } });
    } catch (e) {
      err = e;
    }
    const status = (err as { toStatus(): { code: number; reason: string; message: string; details: { causes: Array<{ field: string }> } } }).toStatus();
    expect(status.code).to.equal(422);
    expect(status.message).to.match(/^TokenRequest\.authentication\.k8s\.io "ci" is invalid: \[spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes, spec\.boundObjectRef: Unsupported value/);
    expect(status.details.causes.map((c) => c.field)).to.deep.equal(['spec.expirationSeconds', 'spec.boundObjectRef']);
  });
});

describe('ServiceAccount signing keys', () => {
  it('signs with an RSA key (RS256) as kube-apiserver accepts one, and refuses a key it cannot sign with, in one line', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const tokens = new ServiceAccountTokens(rsa);
    const { token } = await tokens.issue(sa, [API_AUDIENCE], 600);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg).to.equal('RS256');
    expect(await tokens.verify(token)).to.deep.equal(sa);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => new ServiceAccountTokens(small)).to.throw(/RSA of 1024 bits: RS256 needs 2048 or more/);
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => new ServiceAccountTokens(ed)).to.throw(/must be RSA or EC P-256\/P-384\/P-521/);
    expect(() => new ServiceAccountTokens('not a key')).to.throw(/not a private key in PEM/);
  });
});
