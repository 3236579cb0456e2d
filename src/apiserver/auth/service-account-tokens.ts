import { createHash, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { OkubeError } from '../../util/errors.js';
import { nowTimestamp } from '../objects.js';
import { serviceAccountUserName } from './user.js';

// ServiceAccount tokens as kube-apiserver issues them through the TokenRequest API: JWTs (signed
// with the API server's service-account key: ES256 for the generated P-256 one, RS256 for RSA) naming the account and its uid, for a list of
// audiences, valid for a bounded time. The API server accepts one only for its own audience, and
// only while the account exists with that uid (the authenticator checks; deleting the account
// revokes its tokens). API server replicas share the key file to accept each other's tokens.

/** The issuer and the API server's own audience (what `kubectl create token` gets without --audience). */
export const SERVICE_ACCOUNT_ISSUER = 'okube';
export const API_AUDIENCE = 'okube';
/** kube-apiserver's bounds: an hour when not asked, at least ten minutes. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
/** kube-apiserver's leeway for nbf/exp: API server replicas on other hosts may run a little behind. */
const CLOCK_SKEW_SECONDS = 60;

export interface ServiceAccountRef {
  namespace: string;
  name: string;
  uid: string;
}

interface KubernetesClaim {
  namespace?: unknown;
  serviceaccount?: { name?: unknown; uid?: unknown };
}

export class ServiceAccountTokens {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  /** kube's key id: the SHA-256 of the public key's DER, base64url. */
  private readonly kid: string;
  private readonly alg: string;

  constructor(privateKeyPem: string) {
    try {
      this.privateKey = createPrivateKey(privateKeyPem);
    } catch (err) {
      throw new OkubeError('ConfigError', `the ServiceAccount signing key is not a private key in PEM: ${(err as Error).message}`);
    }
    const alg = signingAlgorithm(this.privateKey);
    const bits = this.privateKey.asymmetricKeyDetails?.modulusLength;
    if (alg === 'RS256' && (bits ?? 0) < 2048) throw new OkubeError('ConfigError', `the ServiceAccount signing key is RSA of ${bits} bits: RS256 needs 2048 or more`);
    if (!alg) throw new OkubeError('ConfigError', `the ServiceAccount signing key must be RSA or EC P-256/P-384/P-521 (as kube-apiserver's), not ${this.privateKey.asymmetricKeyType} ${this.privateKey.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
    this.alg = alg;
    this.publicKey = createPublicKey(this.privateKey);
    this.kid = createHash('sha256').update(this.publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  }

  async issue(sa: ServiceAccountRef, audiences: string[], expirationSeconds: number, now = new Date()): Promise<{ token: string; expirationTimestamp: string }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + expirationSeconds;
    const token = await new SignJWT({ 'kubernetes.io': { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } } })
      .setProtectedHeader({ alg: this.alg, kid: this.kid })
      .setIssuer(SERVICE_ACCOUNT_ISSUER)
      .setSubject(serviceAccountUserName(sa.namespace, sa.name))
      .setAudience(audiences)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, expirationTimestamp: nowTimestamp(new Date(exp * 1000)) };
  }

  /** The account a token names, when this key signed it for the API server's audience and it is in its validity window. */
  async verify(token: string, now = new Date()): Promise<ServiceAccountRef | undefined> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, { issuer: SERVICE_ACCOUNT_ISSUER, audience: API_AUDIENCE, algorithms: [this.alg], currentDate: now, requiredClaims: ['exp', 'sub'], clockTolerance: CLOCK_SKEW_SECONDS }));
    } catch {
      return undefined;
    }
    const k = payload['kubernetes.io'] as KubernetesClaim | undefined;
    const ns = k?.namespace;
    const name = k?.serviceaccount?.name;
    const uid = k?.serviceaccount?.uid;
    if (typeof ns !== 'string' || typeof name !== 'string' || typeof uid !== 'string') return undefined;
    if (payload.sub !== serviceAccountUserName(ns, name)) return undefined;
    return { namespace: ns, name, uid };
  }
}

/** The JWS algorithm of a key, as kube-apiserver picks it: RS256 for RSA, ES256/384/512 by curve. */
function signingAlgorithm(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType !== 'ec') return undefined;
  return ({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' } as Record<string, string>)[key.asymmetricKeyDetails?.namedCurve ?? ''];
}

/** Whether a bearer token has a JWT's shape (three base64url parts): only those are verified. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}
