// Leader election and sharding on coordination.k8s.io/v1 Leases, as client-go does it: a
// candidate takes a Lease that nobody renewed for leaseDuration (measured on its own clock from
// when it last saw the record change, so clock skew between replicas does not matter), renews
// every retryPeriod, and stops acting as soon as it has failed to renew for renewDeadline — before
// the Lease can expire and a standby take it. With `shards: N`, repositories are split across N
// Leases; each replica also keeps a member Lease, counts the live members M and holds at most
// ceil(N / M) shards, preferring its own by rendezvous hashing, so N replicas share the work and
// a dead replica's shards move to the others.
import { createHash } from 'node:crypto';
import { errorMessage } from '../errors.js';
import type { ClusterClock, Kube, KubeObject, Resource } from './types.js';

export const LEASES: Resource = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };

export interface ElectionSettings {
  namespace: string;
  name: string;
  identity: string;
  shards: number;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

export interface ElectionLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface Elector {
  /** True while this replica holds the shard's Lease (renewed within renewDeadline). */
  holds(shard: number): boolean;
  /** The shards held now. */
  held(): number[];
  /** One round now (the loop runs one every retryPeriod). */
  round(): Promise<void>;
  /** Runs a round every retryPeriod until stop(). */
  start(): void;
  /** Stops the loop and gives the held Leases up, so a standby takes over at once. */
  stop(): Promise<void>;
}

const hash = (s: string) => createHash('sha256').update(s).digest();

/** The shard a repository belongs to: stable across replicas and restarts. */
export function shardOf(repository: string, shards: number): number {
  return shards <= 1 ? 0 : hash(repository).readUInt32BE(0) % shards;
}

export function shardLeaseName(name: string, shard: number, shards: number): string {
  return shards <= 1 ? name : `${name}-${shard}`;
}

/** Shards in this replica's order of preference (rendezvous hashing: each shard's favourite replica differs). */
export function preference(identity: string, shards: number): number[] {
  return [...Array(shards).keys()].sort((a, b) => hash(`${identity}/${b}`).compare(hash(`${identity}/${a}`)));
}

interface Seen {
  resourceVersion: string;
  observedAt: number;
}

export function createElector(kube: Kube, s: ElectionSettings, clock: ClusterClock, log: ElectionLog): Elector {
  const ms = { lease: s.leaseDurationSeconds * 1000, deadline: s.renewDeadlineSeconds * 1000, retry: s.retryPeriodSeconds * 1000 };
  /** shard → when its Lease was last renewed by us. */
  const renewed = new Map<number, number>();
  const seen = new Map<string, Seen>();
  const order = preference(s.identity, s.shards);
  const memberName = `${s.name}-member-${hash(s.identity).toString('hex').slice(0, 10)}`;
  let stopped = false;
  let loop: Promise<void> | null = null;

  /** Has nobody changed this record for a lease duration, by our clock? */
  function expired(name: string, rv: string): boolean {
    const now = clock.now();
    const prev = seen.get(name);
    if (!prev || prev.resourceVersion !== rv) {
      seen.set(name, { resourceVersion: rv, observedAt: now });
      return false;
    }
    return now - prev.observedAt >= ms.lease;
  }

  /** Takes or renews a Lease; true when we hold it after this call. */
  async function tryHold(name: string): Promise<boolean> {
    const now = clock.now();
    const cur = await kube.getLease(s.namespace, name);
    if (!cur) return kube.writeLease(s.namespace, name, { holder: s.identity, leaseDurationSeconds: s.leaseDurationSeconds, acquireTime: now, renewTime: now, transitions: 0 }, null);
    const mine = cur.holder === s.identity;
    if (!mine && cur.holder && !expired(name, cur.resourceVersion)) return false;
    const ok = await kube.writeLease(s.namespace, name, {
      holder: s.identity, leaseDurationSeconds: s.leaseDurationSeconds, renewTime: now,
      acquireTime: mine ? cur.acquireTime : now, transitions: mine ? cur.transitions : cur.transitions + 1,
    }, cur.resourceVersion);
    if (ok) seen.delete(name);
    return ok;
  }

  async function release(shard: number): Promise<void> {
    renewed.delete(shard);
    const name = shardLeaseName(s.name, shard, s.shards);
    const cur = await kube.getLease(s.namespace, name);
    if (cur?.holder === s.identity) await kube.writeLease(s.namespace, name, { ...cur, holder: null, leaseDurationSeconds: 1 }, cur.resourceVersion);
  }

  /** Live members (member Leases renewed within a lease duration), ourselves included. */
  async function members(): Promise<number> {
    await tryHold(memberName);
    const all: KubeObject[] = await kube.list(LEASES, s.namespace);
    const prefix = `${s.name}-member-`;
    return all.filter((l) => l.metadata.name.startsWith(prefix) && (l.metadata.name === memberName || !expired(l.metadata.name, l.metadata.resourceVersion ?? '') && !!l.spec?.holderIdentity)).length;
  }

  const holds = (shard: number) => {
    const at = renewed.get(shard);
    return at !== undefined && clock.now() - at < ms.deadline;
  };

  async function round(): Promise<void> {
    const share = s.shards <= 1 ? 1 : Math.ceil(s.shards / Math.max(1, await members()));
    // Renew what we hold; give up what is beyond our share (least preferred first) so newcomers get it.
    const mine = order.filter((i) => renewed.has(i));
    for (const [n, shard] of mine.entries()) {
      const lease = shardLeaseName(s.name, shard, s.shards);
      if (n >= share) {
        await release(shard);
        log.info('lease released: another replica takes this shard', { lease, share });
        continue;
      }
      // false: someone else holds it now (lost at once); an error: keep it until the renew deadline.
      const ok = await tryHold(lease).catch((e: unknown) => (log.warn('lease renewal failed', { lease, error: errorMessage(e) }), null));
      if (ok) renewed.set(shard, clock.now());
      else if (ok === false || !holds(shard)) {
        renewed.delete(shard);
        log.warn('lease lost: writes stopped', { lease });
      }
    }
    for (const shard of order) {
      if ([...renewed.keys()].length >= share) break;
      if (renewed.has(shard)) continue;
      if (await tryHold(shardLeaseName(s.name, shard, s.shards)).catch(() => false)) {
        renewed.set(shard, clock.now());
        log.info('lease acquired: this replica writes', { lease: shardLeaseName(s.name, shard, s.shards), identity: s.identity });
      }
    }
  }

  async function run(): Promise<void> {
    while (!stopped) {
      await round().catch((e: unknown) => log.warn('leader election round failed', { error: errorMessage(e) }));
      if (!stopped) await clock.sleep(ms.retry);
    }
  }

  return {
    holds,
    held: () => order.filter(holds).sort((a, b) => a - b),
    round,
    async stop() {
      stopped = true;
      if (loop) await loop;
      for (const shard of [...renewed.keys()]) await release(shard).catch(() => {});
      if (s.shards > 1) {
        const cur = await kube.getLease(s.namespace, memberName).catch(() => null);
        if (cur?.holder === s.identity) await kube.writeLease(s.namespace, memberName, { ...cur, holder: null, leaseDurationSeconds: 1 }, cur.resourceVersion).catch(() => {});
      }
    },
    start() {
      loop ??= run();
    },
  };
}
