// Builds each object's scalers once and keeps them across ticks; samples every trigger of an
// object in parallel with a timeout each. A failing trigger is closed and rebuilt alone on the
// next tick (KEDA's refreshScaler). Nothing here throws: failures become typed errors per trigger.
import type { Config, ObjectConfig, TriggerConfig } from '../../config/types.js';
import type { TriggerInput } from '../../engine/types.js';
import { ScalerError, errorMessage } from '../../errors.js';
import { SCALER_CODES, isCode } from '../../errors/codes.js';
import { getScaler, type ScalerClients } from '../../scalers/index.js';
import type { Scaler, ScalerDeps, ScalerInput, TriggerTarget } from '../../scalers/types.js';
import { podIdentityOf, resolveAuth, type AuthDeps } from './auth.js';
import type { EnvSource } from '../../manifests/index.js';
import type { MetricsSink } from '../observability/metrics-sink.js';

export interface TriggerPoolDeps extends AuthDeps {
  scalerDeps: ScalerDeps<ScalerClients>;
  timeoutMs: number;
  /** Each sample's value, activity, error and latency (KEDA's scaler metrics). */
  metrics?: MetricsSink;
}

interface Built {
  target: TriggerTarget;
  /** What it reads, in the scaler's words (ScalerDefinition.source). */
  source?: string;
  scaler?: Scaler;
  error?: ScalerError;
  /** The container env (as written in Git) the scaler was built with: rebuilt when it changes. */
  envKey: string;
}

/** What the triggers read from the workload's manifest in Git. */
export interface WorkloadFacts {
  /** The target container's env, for `*FromEnv` keys (null: none). */
  env: EnvSource[] | null;
  /** The ServiceAccount its pods run as (podIdentity identityOwner: workload); null: unknown. */
  serviceAccount: string | null;
}

export interface TriggerPool {
  sample(obj: ObjectConfig, workload?: WorkloadFacts | null): Promise<TriggerInput[]>;
  /** Whether sampling `obj` needs its manifest read first (`*FromEnv` keys, a workload pod identity). */
  needsWorkload(obj: ObjectConfig): boolean;
  /** A reloaded config: the scalers of `keys` (every one when 'all') are closed and rebuilt on their next sample. */
  reload(config: Config, keys: string[] | 'all'): Promise<void>;
  close(): Promise<void>;
}

/** What a scaler was built with from the workload: it is rebuilt when this changes. */
const envKeyOf = (workload: WorkloadFacts | null | undefined) => JSON.stringify([workload?.env ?? null, workload?.serviceAccount ?? null]);

function toScalerError(e: unknown, trigger: string): ScalerError {
  if (e instanceof ScalerError) return e;
  const code = (e as { code?: unknown })?.code;
  return new ScalerError(isCode(SCALER_CODES, code) ? code : 'SCALER_FAILED', `trigger '${trigger}': ${errorMessage(e)}`, { trigger });
}

export function createTriggerPool(initial: Config, deps: TriggerPoolDeps): TriggerPool {
  const pool = new Map<string, Built>();
  let config = initial;

  /**
   * KEDA resolves `*FromEnv` against the scale target's container env; gitscale reads that env as
   * written in Git (literal values; Secret / ConfigMap references through the cluster), over its
   * own environment as the fallback for names the container does not define (and, without a
   * cluster, for references). Values read from the cluster are read when the scaler is built; a
   * trigger that fails is rebuilt, and so reads them again (KEDA refreshes its scalers the same way).
   */
  async function envFor(obj: ObjectConfig, sources: EnvSource[] | null | undefined): Promise<Record<string, string | undefined>> {
    // No container env: gitscale's own, as is (copying the process environment costs ~80 µs per trigger).
    if (!sources?.length) return deps.env;
    const env: Record<string, string | undefined> = { ...deps.env };
    for (const s of sources) {
      if ('value' in s) env[s.name] = s.value;
      else if (deps.cluster) {
        // A reference the cluster cannot resolve leaves the variable unset (the trigger says so):
        // never gitscale's own variable of the same name, which could be another credential.
        const ref = 'secretKeyRef' in s ? s.secretKeyRef : s.configMapKeyRef;
        const v =
          'secretKeyRef' in s
            ? await deps.cluster.secret(obj.namespace, ref.name, ref.key)
            : await deps.cluster.configMap(obj.namespace, ref.name, ref.key);
        env[s.name] = v ?? undefined;
      }
    }
    return env;
  }

  /** The trigger's TriggerAuthentication's podIdentity; the error when that TriggerAuthentication is missing. */
  const podOf = (obj: ObjectConfig, t: TriggerConfig) => {
    try {
      return podIdentityOf(config, obj.namespace, t);
    } catch (e) {
      return e as Error;
    }
  };

  /**
   * KEDA's podIdentity identityOwner: workload: the role annotated (eks.amazonaws.com/role-arn) on
   * the ServiceAccount the workload's pods run as, read from the cluster.
   */
  async function workloadRole(obj: ObjectConfig, serviceAccount: string | null | undefined): Promise<string> {
    if (!deps.cluster)
      throw new Error(
        "podIdentity identityOwner: workload reads the workload's ServiceAccount from the cluster, and none is configured (--kubeconfig, KUBECONFIG or in-cluster)",
      );
    const sa = serviceAccount ?? 'default';
    const role = await deps.cluster.serviceAccountAnnotation(obj.namespace, sa, 'eks.amazonaws.com/role-arn');
    if (!role)
      throw new Error(
        `podIdentity identityOwner: workload: ServiceAccount ${obj.namespace}/${sa} (the workload's) has no eks.amazonaws.com/role-arn annotation, or does not exist`,
      );
    return role;
  }

  async function build(obj: ObjectConfig, t: TriggerConfig, workload: WorkloadFacts | null | undefined): Promise<Built> {
    const sources = workload?.env;
    const envKey = envKeyOf(workload);
    const def = getScaler(t.type);
    let authParams: Record<string, string> = {};
    let authError: ScalerError | undefined;
    let env = deps.env;
    try {
      authParams = await resolveAuth(config, obj.namespace, t, deps);
      env = await envFor(obj, sources);
    } catch (e) {
      authError = new ScalerError('SCALER_AUTH_UNRESOLVED', `trigger '${t.name}': ${errorMessage(e)}`, { trigger: t.name });
    }
    let podIdentity: ScalerInput['podIdentity'];
    try {
      const pod = podIdentityOf(config, obj.namespace, t);
      podIdentity = pod && {
        provider: pod.provider,
        ...(pod.roleArn ? { roleArn: pod.roleArn } : {}),
        ...(pod.externalId ? { externalId: pod.externalId } : {}),
      };
      if (pod?.identityOwner === 'workload' && !authError)
        podIdentity = { ...podIdentity!, roleArn: await workloadRole(obj, workload?.serviceAccount) };
    } catch (e) {
      authError ??= new ScalerError('SCALER_AUTH_UNRESOLVED', `trigger '${t.name}': ${errorMessage(e)}`, { trigger: t.name });
    }
    const none = { target: 0, activationTarget: 0, unit: '' };
    let meta: unknown;
    let target: Built['target'];
    let source: string | undefined;
    // A scaler's own code that throws on a value its validation let through fails this trigger alone, never the tick.
    try {
      const parsed = def.parse({ metadata: t.metadata, authParams, env, podIdentity });
      if (!parsed.ok) {
        const msg = parsed.errors.map((p) => `metadata.${p.field}: ${p.message}`).join('; ');
        return {
          envKey,
          target: none,
          error: authError ?? new ScalerError('SCALER_METADATA', `trigger '${t.name}': ${msg}`, { trigger: t.name }),
        };
      }
      meta = parsed.meta;
      target = def.target(parsed.meta);
      source = def.source?.(parsed.meta);
    } catch (e) {
      return { envKey, target: none, error: authError ?? toScalerError(e, t.name) };
    }
    if (authError) return { envKey, target, source, error: authError };
    try {
      return { envKey, target, source, scaler: def.create(meta, deps.scalerDeps, t.name) };
    } catch (e) {
      return { envKey, target, source, error: toScalerError(e, t.name) };
    }
  }

  async function sampleOne(obj: ObjectConfig, t: TriggerConfig, workload: WorkloadFacts | null | undefined): Promise<TriggerInput> {
    const id = `${obj.key}#${t.name}`;
    let b = pool.get(id);
    if (b && b.envKey !== envKeyOf(workload)) {
      pool.delete(id);
      await b.scaler?.close().catch(() => {});
      b = undefined;
    }
    if (!b || (!b.scaler && b.error)) {
      b = await build(obj, t, workload);
      pool.set(id, b);
    }
    const base = { name: t.name, type: t.type, metricType: t.metricType, ...b.target, ...(b.source ? { source: b.source } : {}) };
    if (!b.scaler) {
      if (pool.get(id) === b) pool.delete(id);
      return { ...base, sample: { ok: false, error: b.error!.message, code: b.error!.code } };
    }
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(new ScalerError('SCALER_TIMEOUT', `trigger '${t.name}': no answer within ${deps.timeoutMs} ms`, { trigger: t.name }));
      }, deps.timeoutMs);
    });
    try {
      const r = await Promise.race([b.scaler.sample(ac.signal), timeout]);
      return { ...base, sample: { ok: true, value: r.value, active: r.active } };
    } catch (e) {
      const err = toScalerError(e, t.name);
      if (pool.get(id) === b) pool.delete(id);
      await b.scaler.close().catch(() => {});
      return { ...base, sample: { ok: false, error: err.message, code: err.code } };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    needsWorkload: (obj) =>
      obj.triggers.some((t) => {
        const pod = podOf(obj, t);
        return Object.keys(t.metadata).some((k) => k.endsWith('FromEnv')) || (!(pod instanceof Error) && pod?.identityOwner === 'workload');
      }),
    sample: (obj, workload) =>
      Promise.all(
        obj.triggers.map(async (t, i) => {
          const done = deps.metrics?.triggerTimer();
          const input = await sampleOne(obj, t, workload);
          const s = input.sample;
          deps.metrics?.triggerSample(obj, i, t, { value: s.ok ? s.value : null, active: s.ok && s.active, error: !s.ok }, done?.() ?? 0);
          return input;
        }),
      ),
    reload: async (next, keys) => {
      config = next;
      const gone = [...pool].filter(([id]) => keys === 'all' || keys.some((k) => id.startsWith(`${k}#`)));
      for (const [id] of gone) pool.delete(id);
      await Promise.allSettled(gone.map(([, b]) => b.scaler?.close() ?? Promise.resolve()));
    },
    close: async () => {
      const all = [...pool.values()];
      pool.clear();
      await Promise.allSettled(all.map((b) => b.scaler?.close() ?? Promise.resolve()));
    },
  };
}
