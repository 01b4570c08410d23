// One tick for one repository: sync, evaluate its due objects in parallel, write one commit.
import type { ObjectConfig, RepositoryConfig } from '../config/types.js';
import type { Workspace } from '../git/types.js';
import type { Logger } from '../log.js';
import type { EngineState } from '../engine/types.js';
import { baseResult, evaluate, failed } from './evaluate.js';
import type { TriggerPool } from './triggers.js';
import type { Forge } from '../forges/types.js';
import { reconcileReviews } from './review.js';
import type { Reporter } from './report.js';
import type { MarkerCache } from './target.js';
import type { ObjectResult } from './types.js';
import { writeChanges } from './write.js';

export interface TickDeps {
  ws: Workspace;
  repo: RepositoryConfig;
  triggers: TriggerPool;
  log: Logger;
  /** Logs conditions on change (errors, no-op decisions), counting repeats. */
  report: Reporter;
  now: number;
  states: Map<string, EngineState>;
  markers: MarkerCache;
  /** The repository's forge when pull requests can be opened. */
  forge?: Forge;
  handsOff: Set<string>;
  /** Times gitscale opened pull requests in this repository (prHourlyLimit). */
  opened: number[];
  /** plan: decide and report, write nothing, keep no state. */
  dryRun: boolean;
  cluster: boolean;
}

export async function tickRepository(objects: ObjectConfig[], d: TickDeps): Promise<ObjectResult[]> {
  const results = await evaluateAndWrite(objects, d);
  for (const r of results) {
    if (r.error) d.report.report(`${r.key}#object`, r.error, 'error', 'object failed', { object: r.key, file: r.file, code: r.errorCode ?? undefined, error: r.error });
    else d.report.clear(`${r.key}#object`, 'object recovered', { object: r.key, file: r.file });
  }
  return results;
}

async function evaluateAndWrite(objects: ObjectConfig[], d: TickDeps): Promise<ObjectResult[]> {
  try {
    await d.ws.sync();
  } catch (e) {
    d.report.report(`repository ${d.repo.name}#sync`, (e as Error).message, 'error', 'repository sync failed', { repository: d.repo.name, error: (e as Error).message });
    return objects.map((o) => failed(baseResult(o), e));
  }
  d.report.clear(`repository ${d.repo.name}#sync`, 'repository sync recovered', { repository: d.repo.name });
  const evaluated = await Promise.all(objects.map((obj) => evaluate(obj, d.ws, { triggers: d.triggers, now: d.now, state: d.states.get(obj.key), cluster: d.cluster, markers: d.markers })));
  const results = new Map(objects.map((o, i) => [o.key, evaluated[i].result]));
  for (const [i, ev] of evaluated.entries()) {
    const r = ev.result;
    logTriggers(r, d.report);
    if (!r.error) {
      const fields = { object: r.key, current: r.current, desired: r.desired, route: r.route, reason: r.reason };
      // A decision that writes something is news; an unchanged no-op is debug, logged on change.
      if (r.route === 'none') d.report.report(`${r.key}#decision`, `${r.current}→${r.desired} ${r.reason}`, 'debug', 'decision', fields);
      else d.log.info('decision', fields);
    }
    if (!d.dryRun && ev.decision && r.route === 'none') d.states.set(objects[i].key, ev.decision.state);
  }
  if (d.dryRun) return [...results.values()];

  const decided = objects.map((obj, i) => ({ obj, ev: evaluated[i] })).filter(({ ev }) => ev.decision && !ev.result.error && ev.result.route !== 'none');
  // A decision that was not written: keep what the HPA learnt (recommendations, activity), not its scale event.
  const unwritten = ({ obj, ev }: (typeof decided)[number]) =>
    d.states.set(obj.key, { ...ev.decision!.state, scaleEvents: d.states.get(obj.key)?.scaleEvents ?? [] });
  const reviewed = decided.filter(({ ev }) => ev.result.route === 'pull-request');
  for (const c of reviewed) unwritten(c);
  // Direct commits first: small changes land without waiting on the forge (or its rate limits).
  const changes = decided.filter(({ ev }) => ev.result.route !== 'pull-request');
  if (changes.length > 0) await commitChanges(changes);
  await reviews();
  return [...results.values()];

  async function reviews(): Promise<void> {
    if (d.forge && d.ws.branches) {
      const settled = objects.map((obj, i) => ({ obj, ev: evaluated[i] })).filter(({ ev }) => ev.decision && !ev.result.error && ev.result.route !== 'pull-request');
      const outcomes = await reconcileReviews(reviewed, settled, { ws: d.ws, forge: d.forge, repo: d.repo, log: d.log, handsOff: d.handsOff, opened: d.opened, now: d.now });
      for (const c of reviewed) {
        const o = outcomes.get(c.obj.key);
        const r = results.get(c.obj.key)!;
        if (o?.error !== undefined) {
          results.set(c.obj.key, failed(r, o.error));
        } else if (o?.note && !o.pr) {
          results.set(c.obj.key, { ...r, reason: `${r.reason} (${o.note})` });
        } else if (o?.pr) {
          results.set(c.obj.key, { ...r, pullRequest: { number: o.pr.number, url: o.pr.url }, reason: o.note ? `${r.reason} (${o.note})` : r.reason });
          d.log.info('pull request', { object: c.obj.key, pr: o.pr.number, url: o.pr.url, routedBy: r.routedBy ?? undefined, note: o.note });
        }
      }
    } else {
      // Pull requests need a forge; without one the decision is reported, not written.
      for (const { obj, ev: { result: r } } of reviewed) {
        d.report.report(`${obj.key}#review`, `${r.current}→${r.desired}`, 'warn', 'waiting for review: no forge configured to open a pull request, not written', { object: obj.key, routedBy: r.routedBy ?? undefined, current: r.current, desired: r.desired });
      }
    }
  }

  async function commitChanges(changes: typeof decided): Promise<void> {
    try {
      const w = await writeChanges(d.ws, changes, d.repo.author, d.log);
      for (const { obj, ev } of changes) {
        const r = results.get(obj.key)!;
        if (w.failed.has(obj.key)) {
          unwritten({ obj, ev });
          results.set(obj.key, failed(r, w.failed.get(obj.key)));
        } else if (w.result && w.applied.includes(obj.key)) {
          results.set(obj.key, { ...r, commit: w.result.commit });
          d.states.set(obj.key, ev.decision!.state);
        } else {
          unwritten({ obj, ev });
          results.set(obj.key, { ...r, route: 'none', reason: `${r.reason} (not written: changed in Git meanwhile)` });
        }
      }
      d.report.clear(`repository ${d.repo.name}#write`, 'write recovered', { repository: d.repo.name });
      if (w.result?.warning) d.log.warn('commit landed with a warning', { repository: d.repo.name, warning: w.result.warning });
      if (w.result) d.log.info('commit', { repository: d.repo.name, commit: w.result.commit.slice(0, 12), objects: w.applied, attempts: w.result.attempts, subject: w.result.message.split('\n')[0] });
    } catch (e) {
      d.report.report(`repository ${d.repo.name}#write`, (e as Error).message, 'error', 'write failed', { repository: d.repo.name, error: (e as Error).message });
      for (const c of changes) {
        results.set(c.obj.key, failed(results.get(c.obj.key)!, e));
        unwritten(c);
      }
    }
  }
}

/** Each failing trigger's own cause, naming object, trigger index and type; logged when it changes. */
function logTriggers(r: ObjectResult, report: Reporter): void {
  r.triggers.forEach((t, i) => {
    const key = `${r.key}#trigger${i}`;
    const fields = { object: r.key, trigger: i, name: t.name !== t.type ? t.name : undefined, type: t.type };
    if (t.error) report.report(key, t.error, 'error', 'trigger failed', { ...fields, error: t.error });
    else report.clear(key, 'trigger recovered', fields);
  });
}
