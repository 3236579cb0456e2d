// Who a request acts as, in kube-apiserver's terms (user.Info): a name, groups, an optional uid
// and extra fields. Authenticators produce it, impersonation may replace it, the authorizer and
// the audit log read it.

export interface UserInfo {
  /** False only for the anonymous user (no valid credentials). */
  authenticated: boolean;
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export const SYSTEM_MASTERS = 'system:masters';
export const AUTHENTICATED = 'system:authenticated';
export const UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_NAME = 'system:anonymous';
/** The identity of okube's own admin credential (okube up's kubeconfig, the data dir token). */
export const ADMIN_NAME = 'okube-admin';

export const ANONYMOUS: UserInfo = Object.freeze({ authenticated: false, name: ANONYMOUS_NAME, groups: [UNAUTHENTICATED] }) as UserInfo;

/** An authenticated user, with system:authenticated added as kube-apiserver adds it. */
export function authenticatedUser(name: string, groups: readonly string[], uid?: string): UserInfo {
  const gs = [...new Set([...groups.filter((g) => g !== AUTHENTICATED && g !== UNAUTHENTICATED), AUTHENTICATED])];
  return { authenticated: true, name, groups: gs, ...(uid ? { uid } : {}) };
}

export const ADMIN: UserInfo = authenticatedUser(ADMIN_NAME, [SYSTEM_MASTERS]);

/** A ServiceAccount's user name, as kube names it: system:serviceaccount:NAMESPACE:NAME. */
export function serviceAccountUserName(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The namespace and name a ServiceAccount user name stands for; undefined for any other user. */
export function parseServiceAccountUserName(user: string): { namespace: string; name: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  return m ? { namespace: m[1]!, name: m[2]! } : undefined;
}

/** The groups every ServiceAccount of a namespace is in (its token gives them, and so does impersonating it without groups). */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
}

export function isMaster(u: UserInfo): boolean {
  return u.authenticated && u.groups.includes(SYSTEM_MASTERS);
}
