import type { ContainerSpec } from './runtime.js';

// Docker's HostConfig for a container spec: mounts, binds and the security settings.

/** The HostConfig fields of a spec's mounts and security settings. */
export function dockerHostConfig(spec: ContainerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const mounts = (spec.mounts ?? []).filter((m) => !(m.type === 'bind' && m.createHostPath));
  // A bind that may create its host directory (hostPath DirectoryOrCreate) is a -v bind: only
  // that form creates a missing source.
  const binds = (spec.mounts ?? []).filter((m) => m.type === 'bind' && m.createHostPath).map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`);
  if (mounts.length) {
    out.Mounts = mounts.map((m) => ({
      Type: m.type,
      Target: m.target,
      ...(m.source !== undefined ? { Source: m.source } : {}),
      ReadOnly: Boolean(m.readOnly),
      ...(m.type === 'volume' && m.volumeLabels ? { VolumeOptions: { Labels: m.volumeLabels } } : {}),
      ...(m.type === 'tmpfs' && m.tmpfsSizeBytes ? { TmpfsOptions: { SizeBytes: m.tmpfsSizeBytes } } : {}),
    }));
  }
  if (binds.length) out.Binds = binds;
  const sec = spec.security;
  if (sec?.readOnlyRootfs) out.ReadonlyRootfs = true;
  if (sec?.capAdd?.length) out.CapAdd = sec.capAdd;
  if (sec?.capDrop?.length) out.CapDrop = sec.capDrop;
  if (sec?.securityOpt?.length) out.SecurityOpt = sec.securityOpt;
  if (sec?.pidsLimit) out.PidsLimit = sec.pidsLimit;
  if (sec?.log) out.LogConfig = { Type: sec.log.type, Config: sec.log.config };
  // Never privileged, never the host's namespaces, no devices: okube does not set them.
  out.Privileged = false;
  return out;
}
