export { validateConfig, ANNOTATION_FIELD, ANNOTATION_PATH, ANNOTATION_REPOSITORY } from './validate.js';
export { readConfig, parseConfigText } from './read.js';
export type * from './types.js';
