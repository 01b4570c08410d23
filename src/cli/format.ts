// Output for people (text) and machines (JSON) from plan/once/validate.
import type { ConfigProblem } from '../config/types.js';
import type { ObjectResult } from '../reconciler/types.js';
import { paint, type Paint } from './color.js';

const plain = paint(false);

function diffLine(l: string, c: Paint): string {
  if (l.startsWith('+++') || l.startsWith('---')) return c.bold(l);
  if (l.startsWith('+')) return c.green(l);
  if (l.startsWith('-')) return c.red(l);
  if (l.startsWith('@@')) return c.dim(l);
  return l;
}

function routeWord(route: string, c: Paint): string {
  if (route === 'none') return c.dim(route);
  if (route === 'pull-request') return c.yellow(route);
  return c.green(route);
}

export function planJson(results: ObjectResult[]): string {
  return JSON.stringify(
    {
      objects: results.map((r) => ({
        namespace: r.namespace,
        name: r.name,
        repository: r.repository,
        file: r.file,
        current: r.current,
        currentFrom: r.currentFrom,
        desired: r.desired,
        route: r.route,
        routedBy: r.routedBy,
        reason: r.reason,
        triggers: r.triggers.map((t) => ({
          type: t.type,
          name: t.name,
          source: t.source ?? null,
          value: t.value,
          target: t.target,
          active: t.active,
          error: t.error,
        })),
        diff: r.diff,
        error: r.error,
        errorCode: r.errorCode,
        commit: r.commit,
        pullRequest: r.pullRequest,
        live: r.live,
        drift: r.drift,
        patch: r.patch,
      })),
    },
    null,
    2,
  );
}

export function planText(results: ObjectResult[], c: Paint = plain): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`${c.bold(r.key)}  (${r.repository}: ${r.file})`);
    for (const t of r.triggers) {
      out.push(
        `  trigger ${t.name}${t.name !== t.type ? ` (${t.type})` : ''}${t.source ? ` ${c.dim(`— ${t.source}`)}` : ''}: ${t.error ? `${c.red('ERROR')} ${t.error}` : `value ${t.value}, target ${t.target}, ${t.active ? c.green('active') : 'inactive'}`}`,
      );
    }
    if (r.error) out.push(`  ${c.red('ERROR')} ${r.errorCode ? `[${r.errorCode}] ` : ''}${r.error}`);
    if (r.current !== null)
      out.push(
        `  replicas ${r.current}${r.currentFrom ? ` ${c.dim(`(in Git: ${r.currentFrom})`)}` : ''} → ${r.desired}   route: ${routeWord(r.route, c)}${r.routedBy ? ` (${r.routedBy})` : ''}${r.commit ? `   commit ${r.commit.slice(0, 12)}` : ''}${r.pullRequest ? `   PR #${r.pullRequest.number} ${r.pullRequest.url}` : ''}`,
      );
    if (r.live)
      out.push(
        `  live: ${r.live.replicas} replicas (${r.live.statusReplicas} running, ${r.live.readyReplicas ?? '?'} ready)${r.drift ? `   ${c.yellow('drift')}: ${r.drift}` : ''}`,
      );
    if (r.patch) out.push(`  patch: ${r.patch}`);
    if (r.reason) out.push(`  why: ${r.reason}`);
    if (r.diff)
      out.push(
        r.diff
          .trimEnd()
          .split('\n')
          .map((l) => `  ${diffLine(l, c)}`)
          .join('\n'),
      );
    out.push('');
  }
  return out.join('\n');
}

export function problemsText(problems: ConfigProblem[], label = 'error', c: Paint = plain): string {
  const word = label === 'error' ? c.red(label) : c.yellow(label);
  return problems.map((p) => `${word}: ${p.object}: ${p.file}${p.field ? `: ${p.field}` : ''}: ${p.message} [${p.code}]`).join('\n');
}
