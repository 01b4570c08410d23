// What the tick says about what it saw, before anything is written: each decision, each failing
// trigger, the live scale it could not read, and drift (live spec.replicas ≠ Git's value, once it
// outlasted cluster.driftAfterSeconds: a sync delay is not drift). Logs on change only.
import type { ClusterSettings } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { Conditions } from '../observability/conditions.js';
import { stateOf, type ObjectStates } from '../state.js';
import type { Evaluated, ObjectResult } from '../types.js';

export function tellDecisions(evaluated: Evaluated[], d: { conditions: Conditions; log: Logger }): void {
  for (const ev of evaluated) {
    const r = ev.result;
    tellTriggers(r, d.conditions);
    if (r.error) continue;
    const fields = { object: r.key, current: r.current, desired: r.desired, route: r.route, reason: r.reason };
    // A decision that writes something is news; an unchanged no-op is debug, logged on change.
    if (r.route === 'none') d.conditions.raise(`${r.key}#decision`, `${r.current}→${r.desired} ${r.reason}`, 'debug', 'decision', fields);
    else d.log.info('decision', fields);
  }
}

/** Each failing trigger's own cause, naming object, trigger index and type; logged when it changes. */
function tellTriggers(r: ObjectResult, conditions: Conditions): void {
  r.triggers.forEach((t, i) => {
    const key = `${r.key}#trigger${i}`;
    const fields = { object: r.key, trigger: i, name: t.name !== t.type ? t.name : undefined, type: t.type };
    if (t.error) conditions.raise(key, t.error, 'error', 'trigger failed', { ...fields, error: t.error });
    else conditions.clear(key, 'trigger recovered', fields);
  });
}

/** Marks drift on each result and logs it once it outlasted cluster.driftAfterSeconds. */
export function trackDrift(
  evaluated: Evaluated[],
  d: { conditions: Conditions; states: ObjectStates; now: number; settings: ClusterSettings },
): void {
  for (const ev of evaluated) {
    const key = ev.result.key;
    if (ev.kind === 'decided' && ev.liveError) {
      d.conditions.raise(`${key}#live`, ev.liveError, 'warn', 'live scale not read: deciding on Git alone', {
        object: key,
        error: ev.liveError,
      });
    } else d.conditions.clear(`${key}#live`, 'live scale read again', { object: key });
    const st = stateOf(d.states, key);
    if (ev.kind !== 'decided' || !ev.live || ev.live.specReplicas === ev.decision.current) {
      if (st.driftSince !== undefined) d.conditions.clear(`${key}#drift`, 'drift resolved: live replicas match Git', { object: key });
      st.driftSince = undefined;
      continue;
    }
    const since = st.driftSince ?? d.now;
    st.driftSince = since;
    const seconds = Math.round((d.now - since) / 1000);
    const git = ev.decision.current;
    ev.result.drift = `live ${ev.live.specReplicas} ≠ Git ${git} (seen for ${seconds} s)`;
    if (d.now - since >= d.settings.driftAfterSeconds * 1000) {
      d.conditions.raise(
        `${key}#drift`,
        `${ev.live.specReplicas}≠${git}`,
        'warn',
        'drift: the cluster does not run what Git holds (is Argo CD / Flux syncing this file? see README)',
        { object: key, file: ev.result.file, live: ev.live.specReplicas, git, seconds },
      );
    }
  }
}
