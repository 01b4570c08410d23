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
  const ms = { deadline: s.renewDeadlineSeconds * 1000, retry: s.retryPeriodSeconds * 1000 };
  // Holding and expiry are measured on the monotonic clock (a wall-clock step cannot extend them);
  // the Lease records carry wall time, as client-go writes them.
  const mono = () => clock.monotonic();
  /** shard → when the request that last renewed its Lease was started (monotonic). */
  const renewed = new Map<number, number>();
  /** Shards beyond our share: no longer acted on, given up at the next round (after in-flight work saw the gate). */
  const leaving = new Set<number>();
  const seen = new Map<string, Seen>();
  const order = preference(s.identity, s.shards);
  const memberName = `${s.name}-member-${hash(s.identity).toString('hex').slice(0, 10)}`;
  let lastMembers = 1;
  let stopped = false;
  let loop: Promise<void> | null = null;

  /** Has nobody changed this record for its own lease duration, by our clock? */
  function expired(name: string, rv: string, durationSeconds: number): boolean {
    const now = mono();
    const prev = seen.get(name);
    if (!prev || prev.resourceVersion !== rv) {
      seen.set(name, { resourceVersion: rv, observedAt: now });
      return false;
    }
    return now - prev.observedAt >= Math.max(1, durationSeconds) * 1000;
  }

  /** Takes or renews a Lease: the monotonic time the attempt started when we hold it after this call, else null. */
  async function tryHold(name: string): Promise<number | null> {
    const started = mono();
    const now = clock.now();
    const cur = await kube.getLease(s.namespace, name);
    if (!cur)
      return (await kube.writeLease(
        s.namespace,
        name,
        { holder: s.identity, leaseDurationSeconds: s.leaseDurationSeconds, acquireTime: now, renewTime: now, transitions: 0 },
        null,
      ))
        ? started
        : null;
    const mine = cur.holder === s.identity;
    if (!mine && cur.holder && !expired(name, cur.resourceVersion, cur.leaseDurationSeconds)) return null;
    const ok = await kube.writeLease(
      s.namespace,
      name,
      {
        holder: s.identity,
        leaseDurationSeconds: s.leaseDurationSeconds,
        renewTime: now,
        acquireTime: mine ? cur.acquireTime : now,
        transitions: mine ? cur.transitions : cur.transitions + 1,
      },
      cur.resourceVersion,
    );
    if (ok) seen.delete(name);
    return ok ? started : null;
  }

  async function release(name: string): Promise<void> {
    const cur = await kube.getLease(s.namespace, name);
    if (cur?.holder === s.identity)
      await kube.writeLease(s.namespace, name, { ...cur, holder: null, leaseDurationSeconds: 1 }, cur.resourceVersion);
  }

  /** Live members (member Leases renewed within their lease duration), ourselves included; the last count when the API fails. */
  async function members(): Promise<number> {
    try {
      await tryHold(memberName);
      const all: KubeObject[] = await kube.list(LEASES, s.namespace);
      const prefix = `${s.name}-member-`;
      lastMembers = Math.max(
        1,
        all.filter(
          (l) =>
            l.metadata.name.startsWith(prefix) &&
            (l.metadata.name === memberName ||
              (!!l.spec?.holderIdentity &&
                !expired(
                  l.metadata.name,
                  l.metadata.resourceVersion ?? '',
                  Number(l.spec?.leaseDurationSeconds ?? s.leaseDurationSeconds),
                ))),
        ).length,
      );
    } catch (e) {
      log.warn('leader election: members not counted; keeping the last count', { members: lastMembers, error: errorMessage(e) });
    }
    return lastMembers;
  }

  const holds = (shard: number) => {
    const at = renewed.get(shard);
    return at !== undefined && mono() - at < ms.deadline;
  };

  async function round(): Promise<void> {
    // Shards set aside last round: the gate has been closed for a retry period; give them up now.
    for (const shard of [...leaving]) {
      leaving.delete(shard);
      await release(shardLeaseName(s.name, shard, s.shards)).catch(() => {});
    }
    const share = s.shards <= 1 ? 1 : Math.ceil(s.shards / (await members()));
    const mine = order.filter((i) => renewed.has(i));
    for (const [n, shard] of mine.entries()) {
      const lease = shardLeaseName(s.name, shard, s.shards);
      if (n >= share) {
        renewed.delete(shard);
        leaving.add(shard);
        log.info('lease released: another replica takes this shard', { lease, share });
        continue;
      }
      // null: someone else holds it now (lost at once); an error: keep it until the renew deadline.
      const at = await tryHold(lease).catch(
        (e: unknown) => (log.warn('lease renewal failed', { lease, error: errorMessage(e) }), undefined),
      );
      if (typeof at === 'number') renewed.set(shard, at);
      else if (at === null || !holds(shard)) {
        renewed.delete(shard);
        log.warn('lease lost: writes stopped', { lease });
      }
    }
    for (const shard of order) {
      if (renewed.size >= share) break;
      if (renewed.has(shard) || leaving.has(shard)) continue;
      const lease = shardLeaseName(s.name, shard, s.shards);
      const at = await tryHold(lease).catch(() => null);
      if (at !== null) {
        renewed.set(shard, at);
        log.info('lease acquired: this replica writes', { lease, identity: s.identity });
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
    round,
    start() {
      loop ??= run();
    },
    async stop() {
      stopped = true;
      if (loop) await loop;
      const names = [...renewed.keys(), ...leaving].map((i) => shardLeaseName(s.name, i, s.shards));
      renewed.clear();
      leaving.clear();
      for (const name of [...names, ...(s.shards > 1 ? [memberName] : [])]) await release(name).catch(() => {});
    },
  };
}
