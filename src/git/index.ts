export { openRemote, type RemoteOptions } from './remote.js';
export { openLocal, type LocalOptions } from './local.js';
export { renderMessage, parseTrailers, readDecisions, readSubject, TRAILER_OBJECT, TRAILER_REPLICAS, TRAILER_REASON, TRAILER_ROUTE, type ParsedDecision, type CommitDecision } from './message.js';
export { firstParents, localHistory, readHistoryCommit, remoteHistory, type CommitReader, type HistoryCommit, type HistorySource, type LocalHistoryOptions, type RemoteHistoryOptions } from './history.js';
export { authHeaders, scrub } from './auth.js';
export type * from './types.js';
