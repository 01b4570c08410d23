// Once per object: another owner of its replicas (an HPA, a KEDA ScaledObject, Argo CD or Flux
// ignoring them) is worth a warning. Runs beside the tick's own work (awaited at its end).
import { listerOf, ownershipWarnings, type Kube } from '../../cluster/index.js';
import type { ObjectConfig } from '../../config/types.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { stateOf, type ObjectStates } from '../state.js';
import { workloadRef } from '../target/locate.js';

export async function warnOwners(
  objects: ObjectConfig[],
  d: { kube: Kube; repoUrl: string; states: ObjectStates; log: Logger },
): Promise<void> {
  const list = listerOf(d.kube, true);
  const unchecked = objects.filter((o) => !stateOf(d.states, o.key).ownersChecked);
  await Promise.all(
    unchecked.map(async (obj) => {
      stateOf(d.states, obj.key).ownersChecked = true;
      try {
        for (const w of await ownershipWarnings(d.kube, { ref: workloadRef(obj), repoUrl: d.repoUrl, file: obj.path }, list)) {
          d.log.warn('ownership: another owner of the replicas', { object: obj.key, code: w.code, warning: w.message });
        }
      } catch (e) {
        d.log.warn('ownership not checked', { object: obj.key, error: errorMessage(e) });
      }
    }),
  );
}
