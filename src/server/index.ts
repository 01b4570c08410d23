// server/: HTTP for `gitscale run` — /metrics, /healthz, /readyz — over read-only views of the reconciler.
export { createMetrics, type Metrics } from './metrics.js';
export { parseListen, serve, type Probe, type Serving } from './http.js';
export { createProbes, type Started } from './probes.js';
