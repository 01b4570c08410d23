// The metrics gitscale exposes: KEDA's names and labels where KEDA has the metric, gitscale's own,
// the Node process metrics — and Prometheus's own linter (promtool) accepts the text.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/server/metrics.js';

function promtool(text: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin!.end(text);
  });
}

const so = { namespace: 'shop', name: 'consumer' };

describe('metrics', () => {
  it('records triggers with KEDA’s names and labels, gitscale’s own counters, and passes promtool', async () => {
    const m = createMetrics({ version: '1.2.3' });
    m.triggerSample(so, 0, { type: 'redis', name: 'redis' }, { value: 20, active: true, error: false }, 0.012);
    m.triggerSample(so, 1, { type: 'metrics-api', name: 'api' }, { value: null, active: false, error: true }, 0.5);
    m.triggerSample(so, 1, { type: 'metrics-api', name: 'api' }, { value: null, active: false, error: true }, 0.5);
    m.objectError(so);
    m.paused(so, false);
    m.commit('apps', 1);
    m.commit('apps', 3);
    m.pullRequest('apps', 'shop/consumer', true);
    m.pullRequest('apps', 'shop/other', true);
    m.pullRequest('apps', 'shop/other', false);
    m.patch('patched');
    m.tickTimer('apps')();
    m.syncTimer('apps')(true);
    m.syncTimer('apps')(false);
    m.leader(0, true);
    const text = await m.render();
    const labels = 'namespace="shop",metric="s0-redis",scaledObject="consumer",scaler="redis",triggerIndex="0",type="scaledobject"';
    expect(text).toContain(`keda_scaler_metrics_value{${labels}} 20`);
    expect(text).toContain(`keda_scaler_active{${labels}} 1`);
    expect(text).toContain(`keda_scaler_metrics_latency_seconds{${labels}} 0.012`);
    expect(text).toContain(`keda_scaler_detail_errors_total{${labels}} 0`);
    expect(text).toContain(
      'keda_scaler_detail_errors_total{namespace="shop",metric="s1-api",scaledObject="consumer",scaler="metrics-api",triggerIndex="1",type="scaledobject"} 2',
    );
    expect(text).toContain(
      'keda_scaler_errors_total{namespace="shop",metric="s1-api",scaledObject="consumer",scaler="metrics-api",triggerIndex="1",type="scaledobject"} 2',
    );
    expect(text).not.toMatch(/keda_scaler_metrics_value\{[^}]*metric="s1-api"/);
    expect(text).toContain('keda_scaled_object_errors_total{namespace="shop",scaledObject="consumer"} 1');
    expect(text).toContain('keda_scaled_object_paused{namespace="shop",scaledObject="consumer"} 0');
    expect(text).toContain('gitscale_commits_total{repository="apps"} 2');
    expect(text).toContain('gitscale_push_retries_total{repository="apps"} 2');
    expect(text).toContain('gitscale_pull_requests{repository="apps"} 1');
    expect(text).toContain('gitscale_direct_patches_total{result="patched"} 1');
    expect(text).toContain('gitscale_tick_duration_seconds_count{repository="apps"} 1');
    expect(text).toContain('gitscale_git_sync_duration_seconds_count{repository="apps",result="ok"} 1');
    expect(text).toContain('gitscale_git_sync_duration_seconds_count{repository="apps",result="error"} 1');
    // Trigger latency is only ever per trigger (no unlabelled series).
    expect(text).not.toMatch(/^keda_scaler_metrics_latency_seconds \d/m);
    expect(text).toContain('gitscale_leader{shard="0"} 1');
    expect(text).toContain('gitscale_build_info{version="1.2.3"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    // promtool parses the text and lints it. What it may say: KEDA's camelCase labels
    // (scaledObject, triggerIndex), kept on purpose so KEDA's dashboards work unchanged, and
    // prom-client's own Node gauges named *_total (nodejs_active_handles_total …), kept as every
    // Node dashboard knows them. Anything else — a parse error above all — fails.
    const lint = await promtool(text);
    const known = [
      /^keda_\w+ label names should be written in 'snake_case' not 'camelCase'$/,
      /^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/,
    ];
    const problems = lint.out.split('\n').filter((l) => l.trim() && !known.some((k) => k.test(l)));
    expect(problems).toEqual([]);
    expect(lint.out).toMatch(/camelCase/);
  });

  it('promtool can fail: it rejects broken exposition text', async () => {
    expect((await promtool('# TYPE x counter\nx{a="1" 1\n')).code).not.toBe(0);
  });

  it('forgets a removed object’s series', async () => {
    const m = createMetrics({ version: 'x', defaults: false });
    m.triggerSample(so, 0, { type: 'redis', name: 'redis' }, { value: 3, active: true, error: false }, 0.01);
    m.objectError(so);
    m.triggerSample(
      { namespace: 'shop', name: 'kept' },
      0,
      { type: 'redis', name: 'redis' },
      { value: 4, active: true, error: false },
      0.01,
    );
    m.pullRequest('apps', 'shop/consumer', true);
    m.pullRequest('apps', 'shop/kept', true);
    m.forget(so);
    const text = await m.render();
    expect(text).not.toContain('scaledObject="consumer"');
    expect(text).toContain('scaledObject="kept"');
    expect(text).toContain('gitscale_pull_requests{repository="apps"} 1');
  });
});
