// The Docker volume names okube gives Task and claim volumes: what the Task controller creates and
// mounts, and what the API server shows in a claim's VOLUME column.

/** The first 12 hex digits of a uid: short, and unique enough within one Node's volumes. */
export function uid12(uid: string | undefined): string {
  return (uid ?? '').replace(/-/g, '').slice(0, 12);
}

/** The Docker volume of a claim (namespace, name and uid: a re-created claim is a new volume). */
export function claimVolumeName(namespace: string, claim: string, claimUid: string): string {
  return `okube-pvc-${namespace}-${claim}-${uid12(claimUid)}`;
}
