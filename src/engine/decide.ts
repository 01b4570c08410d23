// One tick = one KEDA poll followed by one HPA sync (docs/semantics.md §1). Pure and synchronous.
import { DEFAULT_TOLERANCE, proposeReplicas } from './metric.js';
import { normalize, recordScaleEvent } from './hpa.js';
import { observe, type Observed } from './observe.js';
import type { Decision, DecideInput, EngineState } from './types.js';

/** State as the HPA has it right after a (controller) restart: current recorded, active now. */
export function bootstrapState(current: number, now: number): EngineState {
  return {
    firstSeen: now,
    lastActiveTime: current > 0 ? now : undefined,
    recommendations: [{ at: now, replicas: current }],
    scaleEvents: [],
    failures: {},
  };
}

function cooldownElapsed(state: EngineState, spec: DecideInput['spec'], now: number): { elapsed: boolean; why: string } {
  if (state.lastActiveTime === undefined) {
    const at = state.firstSeen + spec.initialCooldownPeriod * 1000;
    return { elapsed: at < now, why: `never active; initialCooldownPeriod ${spec.initialCooldownPeriod} s` };
  }
  const at = state.lastActiveTime + spec.cooldownPeriod * 1000;
  const left = Math.max(0, Math.ceil((at - now) / 1000));
  return { elapsed: at < now, why: `no trigger active for cooldownPeriod ${spec.cooldownPeriod} s${left > 0 ? ` (${left} s left)` : ''}` };
}

export function decide(input: DecideInput): Decision {
  const { spec, now, current } = input;
  const prev = input.state ?? bootstrapState(current, now);
  const pause = spec.pause;
  const steps: string[] = [];
  const finish = (o: Observed, state: EngineState, desired: number, undecided = false): Decision => ({
    current,
    desired,
    active: o.isActive,
    error: o.isError,
    undecided,
    triggers: o.outcomes,
    state,
    composite: o.metrics[0]?.index === -1 ? { value: o.metrics[0].value, target: o.metrics[0].target } : null,
    reason: steps.length ? steps.join('; ') + (desired !== current ? ` → ${desired}` : '') : `no change (${current})`,
  });

  // KEDA stops the scale loop of a paused object; paused-replicas alone pauses, at that count.
  if (pause?.replicas !== undefined || pause?.paused) {
    const o = observe(input, prev.failures);
    steps.push(
      pause.replicas !== undefined
        ? `paused at ${pause.replicas} (autoscaling.keda.sh/paused-replicas)`
        : 'paused (autoscaling.keda.sh/paused)',
    );
    return finish(o, prev, pause.replicas ?? current);
  }

  const o = observe(input, prev.failures);
  const state: EngineState = { ...prev, failures: o.failures };
  const done = (desired: number, undecided = false) => finish(o, state, desired, undecided);
  steps.push(...o.notes);
  const min = spec.minReplicaCount;
  const idle = spec.idleReplicaCount;
  const fromZero = o.isActive && (current === 0 || (idle !== undefined && current < min));
  if (o.metrics.length === 0 && o.isError) {
    // Nothing to compute; only force-activation can still move a workload off zero (RequestScale checks it first).
    if (fromZero && !pause?.scaleOut) {
      state.lastActiveTime = now;
      steps.push(`force-activation: scale from ${current} to ${Math.max(min, 1)}`);
      return done(Math.max(min, 1));
    }
    steps.push(spec.modifiers ? 'no change' : `all ${o.failedMetrics} trigger(s) failed: no change`);
    return done(current, true);
  }

  // KEDA's poll: 0 ↔ 1 (and idle/min corrections), cooldown to zero.
  let replicas = current;
  if (fromZero && pause?.scaleOut) {
    steps.push('active, but scale-out is paused (autoscaling.keda.sh/paused-scale-out)');
  } else if (fromZero) {
    replicas = min > 0 ? min : 1;
    state.lastActiveTime = now;
    steps.push(`active: scale from ${current} to ${replicas}`);
  } else if (o.isActive && !o.isError) {
    state.lastActiveTime = now;
  } else if (!o.isActive && o.isError) {
    steps.push('no trigger active but some failed: never scale to zero on errors');
  } else if (!o.isActive && ((idle !== undefined && current > idle) || (current > 0 && min === 0))) {
    const cd = cooldownElapsed(state, spec, now);
    if (pause?.scaleIn) steps.push('scale-in is paused (autoscaling.keda.sh/paused-scale-in)');
    else if (cd.elapsed) {
      steps.push(`${cd.why} elapsed`);
      return done(idle ?? min);
    } else steps.push(cd.why);
  } else if (!o.isActive && idle === undefined && current < min) {
    replicas = min;
    steps.push(`below minReplicaCount: ${min}`);
  }

  // The HPA sync: inert at 0 (its minReplicas is at least 1).
  if (replicas === 0) return done(0);
  const hpaMin = Math.max(min, 1);
  let desired: number;
  if (replicas > spec.maxReplicaCount) {
    desired = spec.maxReplicaCount;
    steps.push(`above maxReplicaCount ${spec.maxReplicaCount}`);
  } else if (replicas < hpaMin) {
    desired = hpaMin;
    steps.push(`below minimum ${hpaMin}`);
  } else {
    const tolerance = {
      up: spec.behavior?.scaleUp.tolerance ?? DEFAULT_TOLERANCE,
      down: spec.behavior?.scaleDown.tolerance ?? DEFAULT_TOLERANCE,
    };
    const explains: string[] = [];
    let raw = -1;
    for (const m of o.metrics) {
      const p = proposeReplicas({
        value: m.value,
        target: m.target,
        metricType: m.metricType,
        specReplicas: replicas,
        statusReplicas: input.statusReplicas ?? replicas,
        readyReplicas: input.readyReplicas ?? replicas,
        tolerance,
      });
      if (m.index >= 0) o.outcomes[m.index].replicas = p.replicas;
      explains.push(o.metrics.length > 1 ? `${m.name}: ${p.explain}` : p.explain);
      raw = Math.max(raw, p.replicas);
    }
    steps.push(explains.join(', ') + (explains.length > 1 ? `; max = ${raw}` : ''));
    if (o.failedMetrics > 0 && raw < replicas) {
      steps.push(`${o.failedMetrics} trigger(s) failed: never scale down on partial data, keep ${replicas}`);
      desired = replicas;
    } else {
      const n = normalize({
        current: replicas,
        raw,
        min: hpaMin,
        max: spec.maxReplicaCount,
        now,
        behavior: spec.behavior,
        recommendations: state.recommendations,
        scaleEvents: state.scaleEvents,
      });
      steps.push(...n.steps);
      state.recommendations = n.recommendations;
      desired = n.desired;
    }
  }
  state.scaleEvents = recordScaleEvent(state.scaleEvents, replicas, desired, now, spec.behavior);
  return done(desired);
}
