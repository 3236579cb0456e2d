import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { authenticatedUser, type UserInfo } from './user.js';

// Who sent a request, as kube-apiserver's union authenticator finds out: a client certificate
// the TLS handshake verified against okube's client CA (CN = user, O = groups), else a bearer
// token from the token table (okube's admin token, --token-auth-file lines), else nobody (the
// anonymous user). Tokens are looked up by their SHA-256, so no comparison of the secret itself
// depends on its content.

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined;
}

const digest = (t: string) => createHash('sha256').update(t).digest('hex');

export function tokenAuthenticator(tokens: ReadonlyMap<string, UserInfo>): Authenticator {
  const byDigest = new Map<string, UserInfo>();
  for (const [t, u] of tokens) byDigest.set(digest(t), u);
  return {
    authenticate(req) {
      const h = req.headers.authorization;
      if (!h || !/^bearer /i.test(h)) return undefined;
      const token = h.slice(7).trim();
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

export function unionAuthenticator(...all: Authenticator[]): Authenticator {
  return {
    authenticate(req) {
      for (const a of all) {
        const u = a.authenticate(req);
        if (u) return u;
      }
      return undefined;
    },
  };
}
