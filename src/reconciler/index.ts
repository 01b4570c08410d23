export { createReconciler, type Clients, type Reconciler, type ReconcilerDeps } from './runtime/reconciler.js';
export { startRunner, type Runner, type RunnerDeps, type Heartbeat } from './runtime/runner.js';
export { dueObjects } from './runtime/schedule.js';
export { routeFor, crossedThreshold } from './tick/route.js';
export { checkTargets } from './target/check.js';
export type * from './types.js';
