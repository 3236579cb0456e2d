import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { authenticatedUser, serviceAccountGroups, serviceAccountUserName, type UserInfo } from './user.js';
import { looksLikeJwt, type ServiceAccountTokens } from './service-account-tokens.js';

// Who sent a request, as kube-apiserver's union authenticator finds out: a client certificate
// the TLS handshake verified against okube's client CA (CN = user, O = groups), else a bearer
// token from the token table (okube's admin token, --token-auth-file lines), else a
// ServiceAccount token this API server signed (while the account exists with the uid it names),
// else nobody (the anonymous user). Tokens are looked up by their SHA-256, so no comparison of the secret itself
// depends on its content.

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined | Promise<UserInfo | undefined>;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h || !/^bearer /i.test(h)) return undefined;
  return h.slice(7).trim() || undefined;
}

const digest = (t: string) => createHash('sha256').update(t).digest('hex');

export function tokenAuthenticator(tokens: ReadonlyMap<string, UserInfo>): Authenticator {
  const byDigest = new Map<string, UserInfo>();
  for (const [t, u] of tokens) byDigest.set(digest(t), u);
  return {
    authenticate(req) {
      const token = bearerToken(req);
      return token ? byDigest.get(digest(token)) : undefined;
    },
  };
}

/** The user a verified client certificate names (CN, O); none without a verified certificate. */
export function x509Authenticator(): Authenticator {
  return {
    authenticate(req) {
      const sock = req.socket as TLSSocket;
      if (!sock.encrypted || !sock.authorized) return undefined;
      const cert = sock.getPeerCertificate();
      const subject = cert?.subject as unknown as Record<string, string | string[] | undefined> | undefined;
      const cn = subject?.CN;
      const name = Array.isArray(cn) ? cn[0] : cn;
      if (!name) return undefined;
      const o = subject?.O;
      const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
      return authenticatedUser(name, groups);
    },
  };
}

/**
 * ServiceAccount tokens (auth/service-account-tokens.ts): the account's user, as kube names it,
 * with its uid and the groups system:serviceaccounts and system:serviceaccounts:NAMESPACE.
 * `currentUid` reads the account now: a deleted (or deleted and re-created) one no longer matches.
 */
export function serviceAccountAuthenticator(tokens: ServiceAccountTokens, currentUid: (namespace: string, name: string) => Promise<string | undefined>): Authenticator {
  return {
    async authenticate(req) {
      const token = bearerToken(req);
      if (!token || !looksLikeJwt(token)) return undefined;
      const sa = await tokens.verify(token);
      if (!sa || (await currentUid(sa.namespace, sa.name)) !== sa.uid) return undefined;
      return authenticatedUser(serviceAccountUserName(sa.namespace, sa.name), serviceAccountGroups(sa.namespace), sa.uid);
    },
  };
}

export function unionAuthenticator(...all: Authenticator[]): Authenticator {
  return {
    async authenticate(req) {
      for (const a of all) {
        const u = await a.authenticate(req);
        if (u) return u;
      }
      return undefined;
    },
  };
}
