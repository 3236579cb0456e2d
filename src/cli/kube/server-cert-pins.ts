import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { kubeCacheRoot, serverFolderName } from './cache-root.js';

// Why: a TLS context that trusts the kubeconfig's CA makes Node 20 first build its whole bundled
// root store (AddCACert copies it), 30–45 ms of a ~100 ms `okube get` (docs/benchmarks.md). So a
// command records the server certificate OpenSSL verified against that CA, and later commands
// connect with a context that trusts nothing and accept the server only when it presents a
// recorded certificate that still passes the checks OpenSSL made — before any request byte is
// written. Anything else gets the full OpenSSL verification, exactly as without this file.
//
// Contract:
// - Where: $KUBECACHEDIR (else ~/.kube/cache) /okube-tls/<host_port>/server-certs.json, 0600.
// - Keyed by server URL, TLS server name and the CA bundle's sha256: a record for anything else is
//   ignored (and replaced by the next verified connection).
// - Holds the last MAX_CERTS certificates OpenSSL verified (a server that rotated its certificate
//   keeps working on the fast path for both).
// - A recorded certificate is accepted only when byte-equal to the one presented, signed directly
//   by a CA certificate of the kubeconfig (a CA, issuer name matching), both within their validity
//   now, serverAuth allowed by its extended key usage, and the host in its subjectAltName (the
//   subject CN is never used). Otherwise the connection is dropped and made again with full verification.
// - Unreadable, malformed or foreign records are ignored; writes are atomic and best effort.

const FORMAT = 1;
const MAX_CERTS = 8;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

interface PinFile {
  format: number;
  server: string;
  servername: string;
  ca: string;
  certs: string[];
}

export function serverCertPinFile(server: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(kubeCacheRoot(env), 'okube-tls', serverFolderName(server), 'server-certs.json');
}

/** Every certificate of a PEM bundle (unparseable blocks skipped). */
export function caCertificates(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const out: X509Certificate[] = [];
  for (const b of blocks) {
    try {
      out.push(new X509Certificate(b));
    } catch {
      // Not a certificate OpenSSL would use either.
    }
  }
  return out;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function within(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

/** Whether `cert` passes what OpenSSL checked when it was recorded, against `cas`, for `host`, at `now`. */
export function stillValid(cert: X509Certificate, cas: X509Certificate[], host: string, now = Date.now()): boolean {
  if (!within(cert, now)) return false;
  const eku = cert.keyUsage;
  if (eku !== undefined && !eku.includes(SERVER_AUTH)) return false;
  const ip = IPV4.test(host) || host.includes(':');
  const hostOk = ip ? cert.checkIP(host) !== undefined : cert.checkHost(host, { subject: 'never' }) !== undefined;
  if (!hostOk) return false;
  return cas.some((ca) => ca.ca && within(ca, now) && ca.subject === cert.issuer && cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

/** The certificates recorded for this (server, servername, CA), as DER. */
export class ServerCertPins {
  private certs: Buffer[] | undefined;

  constructor(
    private readonly file: string,
    private readonly server: string,
    private readonly servername: string,
    private readonly caHash: string,
  ) {}

  static forTarget(server: string, servername: string, ca: Buffer, env: NodeJS.ProcessEnv = process.env): ServerCertPins {
    return new ServerCertPins(serverCertPinFile(server, env), server, servername, createHash('sha256').update(ca).digest('hex'));
  }

  /** The recorded certificates (read once per process). */
  recorded(): Buffer[] {
    if (this.certs) return this.certs;
    this.certs = [];
    try {
      const f = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<PinFile>;
      const matches = f.format === FORMAT && f.server === this.server && f.servername === this.servername && f.ca === this.caHash;
      if (matches && Array.isArray(f.certs)) this.certs = f.certs.filter((c): c is string => typeof c === 'string').map((c) => Buffer.from(c, 'base64'));
    } catch {
      // Absent or unreadable: no fast path.
    }
    return this.certs;
  }

  /** Adds a certificate OpenSSL verified (most recent first, at most MAX_CERTS). */
  record(der: Buffer): void {
    const certs = [der, ...this.recorded().filter((c) => !c.equals(der))].slice(0, MAX_CERTS);
    if (certs.length === this.recorded().length && certs.every((c, i) => c.equals(this.recorded()[i]!))) return;
    this.certs = certs;
    const body: PinFile = { format: FORMAT, server: this.server, servername: this.servername, ca: this.caHash, certs: certs.map((c) => c.toString('base64')) };
    try {
      writeFileAtomic(this.file, JSON.stringify(body));
    } catch {
      // A read-only or missing cache folder costs only the fast path.
    }
  }
}

export interface PinningAgentOptions extends AgentOptions {
  ca: Buffer;
  pins: ServerCertPins;
  /** The name checked against the certificate: tls-server-name, else the server's host. */
  checkName: string;
}

type Oncreate = (err: Error | null, stream: Duplex) => void;

/** An https Agent that tries the recorded certificates first, then OpenSSL's full verification (recording what passes). */
export class PinningAgent extends Agent {
  private readonly pins: ServerCertPins;
  private readonly checkName: string;
  private readonly cas: X509Certificate[];
  private bare?: SecureContext;
  /** Connections accepted on a recorded certificate, and connections OpenSSL verified. */
  readonly connections = { recorded: 0, verified: 0 };

  constructor(opts: PinningAgentOptions) {
    const { pins, checkName, ...agentOpts } = opts;
    super(agentOpts);
    this.pins = pins;
    this.checkName = checkName;
    this.cas = caCertificates(opts.ca);
  }

  override createConnection(options: RequestOptions, oncreate?: Oncreate): Duplex | null | undefined {
    if (!oncreate || this.pins.recorded().length === 0 || this.cas.length === 0) return this.verified(options);
    const o = options as RequestOptions & { servername?: string; cert?: Buffer; key?: Buffer };
    // Trusts nothing (an empty CA list builds no root store): the check below decides.
    this.bare ??= createSecureContext({ ca: [], cert: o.cert, key: o.key });
    const socket: TLSSocket = connect({ host: o.hostname ?? o.host ?? undefined, port: Number(o.port), servername: o.servername, secureContext: this.bare, rejectUnauthorized: false });
    let settled = false;
    socket.once('secureConnect', () => {
      settled = true;
      const peer = socket.getPeerX509Certificate();
      if (peer && this.pins.recorded().some((c) => c.equals(peer.raw)) && stillValid(peer, this.cas, this.checkName)) {
        this.connections.recorded++;
        oncreate(null, socket);
        return;
      }
      socket.destroy();
      oncreate(null, this.verified(options));
    });
    socket.once('error', (err) => {
      if (settled) return;
      settled = true;
      oncreate(err, socket);
    });
    return undefined;
  }

  /** A connection OpenSSL verifies against the kubeconfig's CA; what it accepts is recorded. */
  private verified(options: RequestOptions): Duplex {
    this.connections.verified++;
    const socket = super.createConnection(options) as TLSSocket;
    socket.once('secureConnect', () => {
      const peer = socket.authorized ? socket.getPeerX509Certificate() : undefined;
      if (peer) this.pins.record(peer.raw);
    });
    return socket;
  }
}
