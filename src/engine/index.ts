export { decide, bootstrapState } from './decide.js';
export { proposeReplicas, toMilli } from './metric.js';
export { normalize, scaleLimit } from './hpa.js';
export type * from './types.js';
