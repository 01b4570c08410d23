export { validateConfig, ANNOTATION_PATH, ANNOTATION_REPOSITORY, type ValidateHooks } from './validate.js';
export { readConfig, parseConfigText } from './read.js';
export type * from './types.js';
