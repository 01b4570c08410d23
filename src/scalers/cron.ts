// `cron`: desiredReplicas inside a window that opens at `start` and closes at `end` (five-field cron
// expressions in `timezone`), 0 outside it; target 1, so the HPA arithmetic asks for desiredReplicas.
// KEDA: pkg/scalers/cron_scaler.go. Its window rule: with the next start and the next end both
// strictly after now, the window is open iff the next end comes no later than the next start (an
// end is due before any new start). The clock is the injected one.
import { isTimeZone, nextAfter, parseCron, type Schedule } from './cron/schedule.js';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { int, parseSchema, problem, string, type Infer } from './schema.js';
import { scalerError } from './errors.js';

const TYPE = 'cron';

export const schema = {
  timezone: string({}),
  start: string({}),
  end: string({}),
  desiredReplicas: int({}),
};

export type CronMetadata = Infer<typeof schema> & { startSchedule: Schedule; endSchedule: Schedule };

function validate(meta: Infer<typeof schema>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isTimeZone(meta.timezone))
    problems.push(problem('timezone', `unknown time zone '${meta.timezone}': use an IANA name such as Europe/Paris or Etc/UTC`));
  for (const key of ['start', 'end'] as const) {
    const parsed = parseCron(meta[key]);
    if (!parsed.ok) problems.push(problem(key, `'${key}' is not a cron expression: ${parsed.message}`));
  }
  if (meta.start === meta.end) problems.push(problem('end', `start and end can not have exactly the same time input ('${meta.start}')`));
  if (meta.desiredReplicas === 0) problems.push(problem('desiredReplicas', `'desiredReplicas' must not be 0`));
  return problems;
}

export function parse(input: ScalerInput): ParseResult<CronMetadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const schedule = (spec: string) => (parseCron(spec) as { ok: true; schedule: Schedule }).schedule;
  return { ok: true, meta: { ...r.meta, startSchedule: schedule(r.meta.start), endSchedule: schedule(r.meta.end) }, warnings: r.warnings };
}

/** KEDA's fixed target: 1 per replica, so the metric (desiredReplicas) is the replica count asked for. */
export function target(): TriggerTarget {
  return { target: 1, activationTarget: 0, unit: 'replicas' };
}

/** Whether the window is open at `nowMs` (KEDA's rule), and when it next opens and closes. */
export function windowAt(meta: CronMetadata, nowMs: number): { open: boolean; nextStart: number | null; nextEnd: number | null } {
  const nextStart = nextAfter(meta.startSchedule, nowMs, meta.timezone);
  const nextEnd = nextAfter(meta.endSchedule, nowMs, meta.timezone);
  // A schedule that never fires (February 30th) is Go's zero time, before any other: no next end
  // leaves the window shut, no next start leaves it open.
  const open = nextEnd !== null && (nextStart === null || nextEnd <= nextStart);
  return { open, nextStart, nextEnd };
}

export function create(meta: CronMetadata, deps: Pick<ScalerDeps<unknown>, 'clock'>, triggerName: string): Scaler {
  return {
    async sample() {
      const { open, nextStart, nextEnd } = windowAt(meta, deps.clock.now());
      if (nextStart === null && nextEnd === null) {
        throw scalerError(
          { trigger: triggerName, type: TYPE, secrets: [] },
          'SCALER_METADATA',
          `neither '${meta.start}' nor '${meta.end}' fires within five years`,
          'start',
        );
      }
      return { value: open ? meta.desiredReplicas : 0, active: open };
    },
    async close() {},
  };
}

export function source(meta: CronMetadata): string {
  return `window '${meta.start}' → '${meta.end}' in ${meta.timezone}: ${meta.desiredReplicas} replicas`;
}

export const cron: ScalerDefinition<CronMetadata> = { type: TYPE, parse, target, source, create };
