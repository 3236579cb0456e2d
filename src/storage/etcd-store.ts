import { Etcd3, type IKeyValue, type IResponseHeader } from 'etcd3';
import { Observable } from 'rxjs';
import { StoreError } from './errors.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import type { KeyValue, ListOptions, ListResult, Store, StoreWatchEvent, WriteTtl } from './store.js';
import { LeaseReuse } from './lease-reuse.js';
import { loggerFor } from '../util/logger.js';
import { timeEtcd } from '../metrics/storage.js';

// The Store (store.ts) on etcd v3, the production backend. Revisions are etcd's own, so a
// resourceVersion is an etcd mod_revision; every failure becomes a StoreError (Expired for
// compacted or future revisions, Unavailable for the rest), and every request is bounded so an
// unreachable etcd fails instead of hanging the API server.

export interface EtcdStoreOptions {
  endpoints: string[];
  /** Client-certificate TLS: the CA that signed etcd's certificate, and okube's client certificate and key (PEM); serverName: a DNS name of the certificate to use instead of an IP endpoint. */
  tls?: { caPem: string; certPem?: string; keyPem?: string; serverName?: string };
  /** Per-request deadline; a request to an unreachable etcd fails with Unavailable after it. */
  requestTimeoutMs?: number;
}

const log = loggerFor('storage.etcd');

/** etcd's range_end for "every key with this prefix". */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
}

function headerRevision(header: IResponseHeader | undefined): number {
  return Number(header?.revision ?? 0);
}

/** Maps etcd3/gRPC failures onto the Store's typed errors. */
function storeError(err: unknown, what: string, key?: string): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/compacted/i.test(message)) return new StoreError('Expired', `${what}: ${message}`, key);
  if (/future revision/i.test(message)) return new StoreError('Expired', `${what}: ${message}`, key);
  return new StoreError('Unavailable', `${what}: etcd unavailable: ${message}`, key);
}

/**
 * The Store on etcd (DESIGN.md "Storage contract"): revisions are etcd's, writes are
 * transactions comparing the key's revision, and watches resume across etcd restarts from the
 * last revision they delivered.
 */
export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly timeoutMs: number;
  /** Open watches, each with how to end it and when etcd confirmed it ended: close() waits for them. */
  private readonly watches = new Set<{ end(): void; ended: Promise<void> }>();
  private closing = false;
  /** Leases of keys written with a TTL (Events), shared between writes (lease-reuse.ts). */
  private readonly leases: LeaseReuse;

  constructor(opts: EtcdStoreOptions) {
    const t = opts.tls;
    const credentials = t ? { rootCertificate: Buffer.from(t.caPem), ...(t.certPem && t.keyPem ? { certChain: Buffer.from(t.certPem), privateKey: Buffer.from(t.keyPem) } : {}) } : undefined;
    this.client = new Etcd3({ hosts: opts.endpoints, ...(credentials ? { credentials } : {}), ...(t?.serverName ? { grpcOptions: { 'grpc.ssl_target_name_override': t.serverName } } : {}) });
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.leases = new LeaseReuse(async (ttl) => String((await this.client.leaseClient.leaseGrant({ TTL: ttl, ID: 0 }, this.call())).ID));
  }

  /** The `lease` field of a put with a TTL (none without: etcd then keeps the key for good). */
  private async leaseOf(opts: WriteTtl | undefined): Promise<{ lease?: string }> {
    return opts?.ttlSeconds ? { lease: await this.leases.leaseFor(opts.ttlSeconds) } : {};
  }

  /** A write with a lease that etcd no longer has is written once more under a new one. */
  private async withLease<T>(opts: WriteTtl | undefined, write: (lease: { lease?: string }) => Promise<T>): Promise<T> {
    try {
      return await write(await this.leaseOf(opts));
    } catch (err) {
      if (!opts?.ttlSeconds || !/lease not found/i.test(err instanceof Error ? err.message : String(err))) throw err;
      this.leases.forget();
      return write(await this.leaseOf(opts));
    }
  }

  private call() {
    return { deadline: Date.now() + this.timeoutMs };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    try {
      const res = await timeEtcd('get', key, () => this.client.kv.range({ key: Buffer.from(key) }, this.call()));
      return res.kvs[0] ? toKeyValue(res.kvs[0]) : undefined;
    } catch (err) {
      throw storeError(err, `get ${key}`, key);
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const token = opts.continue ? decodeContinue(opts.continue, prefix) : undefined;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    try {
      const res = await timeEtcd('list', prefix, () =>
        this.client.kv.range(
          {
            key: Buffer.from(token?.start ?? prefix),
            range_end: prefixEnd(prefix),
            revision: token?.revision ?? opts.revision ?? 0,
            limit: limit ? limit + 1 : 0,
          },
          this.call(),
        ),
      );
      const revision = token?.revision ?? opts.revision ?? headerRevision(res.header);
      const kvs = res.kvs.map(toKeyValue);
      const result: ListResult = { items: limit ? kvs.slice(0, limit) : kvs, revision };
      if (limit && kvs.length > limit) {
        result.continue = encodeContinue({ start: kvs[limit].key, revision, prefix });
        // count covers [start, end) at the list's revision: everything after this page remains.
        result.remaining = Number(res.count) - result.items.length;
      }
      return result;
    } catch (err) {
      throw storeError(err, `list ${prefix}`);
    }
  }

  async create(key: string, value: string, opts?: WriteTtl): Promise<number> {
    const k = Buffer.from(key);
    try {
      const res = await this.withLease(opts, (lease) =>
        timeEtcd('create', key, () =>
          this.client.kv.txn(
            {
              compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
              success: [{ request_put: { key: k, value: Buffer.from(value), ...lease } }],
            },
            this.call(),
          ),
        ),
      );
      if (!res.succeeded) throw new StoreError('AlreadyExists', `key ${key} already exists`, key);
      return headerRevision(res.header);
    } catch (err) {
      throw storeError(err, `create ${key}`, key);
    }
  }

  async update(key: string, value: string, expectedRevision: number, opts?: WriteTtl): Promise<number> {
    const k = Buffer.from(key);
    try {
      const res = await this.withLease(opts, (lease) =>
        timeEtcd('update', key, () =>
          this.client.kv.txn(
            {
              compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
              success: [{ request_put: { key: k, value: Buffer.from(value), ...lease } }],
              failure: [{ request_range: { key: k } }],
            },
            this.call(),
          ),
        ),
      );
      if (!res.succeeded) throw this.casFailure(key, expectedRevision, res.responses[0]?.response_range?.kvs);
      return headerRevision(res.header);
    } catch (err) {
      throw storeError(err, `update ${key}`, key);
    }
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    const k = Buffer.from(key);
    try {
      const res = await timeEtcd('delete', key, () =>
        this.client.kv.txn(
          {
            compare: expectedRevision === undefined ? [] : [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
            success: [{ request_delete_range: { key: k, prev_kv: true } }],
            failure: [{ request_range: { key: k } }],
          },
          this.call(),
        ),
      );
      if (!res.succeeded) throw this.casFailure(key, expectedRevision ?? 0, res.responses[0]?.response_range?.kvs);
      const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
      if (!prev) throw new StoreError('NotFound', `key ${key} not found`, key);
      return { revision: headerRevision(res.header), prev: toKeyValue(prev) };
    } catch (err) {
      throw storeError(err, `delete ${key}`, key);
    }
  }

  private casFailure(key: string, expected: number, kvs: IKeyValue[] | undefined): StoreError {
    const current = kvs?.[0];
    if (!current) return new StoreError('NotFound', `key ${key} not found`, key);
    return new StoreError('Conflict', `key ${key} changed: expected revision ${expected}, found ${current.mod_revision}`, key);
  }

  watch(prefix: string, fromRevision: number): Observable<StoreWatchEvent> {
    return new Observable<StoreWatchEvent>((subscriber) => {
      // The last revision delivered: events at or below it are duplicates from a resumed watch.
      let delivered = fromRevision;
      let cancelled = false;
      let watcher: Awaited<ReturnType<ReturnType<Etcd3['watch']>['create']>> | undefined;
      const wlog = log.child({ key: prefix });
      let markEnded!: () => void;
      const entry = { end: () => subscriber.complete(), ended: new Promise<void>((resolve) => (markEnded = resolve)) };
      const ended = () => {
        this.watches.delete(entry);
        markEnded();
      };
      // Cancelling is a round trip to etcd: until it is answered the watch is still open.
      const cancel = (w: NonNullable<typeof watcher>) => void w.cancel().catch(() => undefined).finally(ended);
      this.watches.add(entry);

      this.client
        .watch()
        .prefix(prefix)
        .withPreviousKV()
        .startRevision(String(fromRevision + 1))
        .create()
        .then((w) => {
          watcher = w;
          if (cancelled) {
            cancel(w);
            return;
          }
          w.on('data', (res) => {
            if (Number(res.compact_revision) > 0) return; // the 'error' event follows
            for (const ev of res.events) {
              const revision = Number(ev.kv.mod_revision);
              if (revision <= delivered) continue;
              delivered = revision;
              if (ev.type === 'Delete') {
                subscriber.next({ type: 'delete', key: ev.kv.key.toString(), prevValue: ev.prev_kv?.value.toString(), revision });
              } else {
                subscriber.next({
                  type: 'put',
                  key: ev.kv.key.toString(),
                  value: ev.kv.value.toString(),
                  prevValue: ev.prev_kv?.value.toString(),
                  revision,
                  createRevision: Number(ev.kv.create_revision),
                });
              }
            }
          });
          // etcd3 resumes a watch from the header revision of the last response it saw, which can
          // be past events not yet delivered (a 'created' response carries the current revision;
          // a second disconnect before the catch-up arrives would skip them). Resume from what
          // this subscriber actually received instead: the request is written right after
          // 'connecting' is emitted with it.
          (w as unknown as NodeJS.EventEmitter).on('connecting', (req: { start_revision?: string }) => {
            req.start_revision = String(delivered + 1);
          });
          w.on('disconnected', (err) => {
            // Once the store is closing, etcd going away is expected.
            if (this.closing) wlog.debug({ err: err.message, delivered }, 'etcd watch disconnected while closing');
            else wlog.warn({ err: err.message, delivered }, 'etcd watch disconnected; resuming');
          });
          w.on('connected', () => wlog.debug({ delivered }, 'etcd watch connected'));
          // etcd cancels a watch whose start revision was compacted ("Watcher canceled", often with
          // no reason text); that is the API's 410 Gone.
          w.on('error', (err) => {
            // etcd ended this watch itself: nothing left to cancel.
            ended();
            subscriber.error(
              /Watcher canceled|compacted/i.test(err.message)
                ? new StoreError('Expired', `watch ${prefix} from revision ${fromRevision}: history compacted (${err.message})`)
                : storeError(err, `watch ${prefix} from ${fromRevision}`),
            );
          });
        })
        .catch((err) => {
          ended();
          subscriber.error(storeError(err, `watch ${prefix}`));
        });

      return () => {
        if (cancelled) return;
        cancelled = true;
        if (watcher && this.watches.has(entry)) cancel(watcher);
      };
    });
  }

  async compact(revision: number): Promise<void> {
    try {
      await timeEtcd('compact', '', () => this.client.kv.compact({ revision, physical: true }, this.call()));
    } catch (err) {
      throw storeError(err, `compact ${revision}`);
    }
  }

  async currentRevision(): Promise<number> {
    try {
      const res = await timeEtcd('currentRevision', '', () => this.client.kv.range({ key: Buffer.from([0]), limit: 1, count_only: true }, this.call()));
      return headerRevision(res.header);
    } catch (err) {
      throw storeError(err, 'current revision');
    }
  }

  /**
   * Ends the open watches and waits (briefly) for etcd to confirm, then closes the connections:
   * a watch still open when etcd stops would report a disconnection and try to resume.
   */
  async close(timeoutMs = 2000): Promise<void> {
    this.closing = true;
    const open = [...this.watches];
    for (const w of open) w.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(open.map((w) => w.ended)), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.client.close();
  }
}
