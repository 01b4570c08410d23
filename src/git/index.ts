export { openRemote, type RemoteOptions } from './remote.js';
export { openLocal, type LocalOptions } from './local.js';
export { renderMessage, parseTrailers, TRAILER_OBJECT, TRAILER_REPLICAS, type ParsedDecision } from './message.js';
export { authHeaders, scrub } from './auth.js';
export type * from './types.js';
