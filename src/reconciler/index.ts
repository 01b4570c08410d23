export { createReconciler, type Clients, type Reconciler, type ReconcilerDeps } from './reconciler.js';
export { startRunner, type Runner, type RunnerDeps, type Heartbeat } from './runner.js';
export { dueObjects } from './schedule.js';
export { routeFor, crossedThreshold } from './route.js';
export { checkTargets } from './check.js';
export type * from './types.js';
