// Reads the config file, then validates it (docs/architecture.md §3: read = I/O + pure validate).
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { errorMessage } from '../errors.js';
import { CONFIG_LIMITS, yamlLimitProblem } from '../yaml-limits.js';
import { validateConfig } from './validate.js';
import type { ValidateResult } from './types.js';

export async function readConfig(path: string): Promise<ValidateResult> {
  const file = resolve(path);
  let text: string;
  try {
    // Not even read past the limit.
    const { size } = await stat(file);
    if (size > CONFIG_LIMITS.maxBytes)
      return {
        config: null,
        warnings: [],
        problems: [
          {
            object: 'config',
            file,
            field: '',
            message: `config not read: ${size} bytes, above the limit of ${CONFIG_LIMITS.maxBytes}`,
            code: 'CONFIG_LIMIT',
          },
        ],
      };
    text = await readFile(file, 'utf8');
  } catch (e) {
    return {
      config: null,
      warnings: [],
      problems: [{ object: 'config', file, field: '', message: `cannot read config: ${errorMessage(e)}`, code: 'CONFIG_UNREADABLE' }],
    };
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, file: string): ValidateResult {
  const beyond = yamlLimitProblem(text, CONFIG_LIMITS);
  if (beyond)
    return {
      config: null,
      warnings: [],
      problems: [{ object: 'config', file, field: '', message: `config not read: ${beyond}`, code: 'CONFIG_LIMIT' }],
    };
  let doc: unknown;
  try {
    // logLevel 'error': an unknown tag stays a string, without a Node process warning on stderr.
    doc = parse(text, { prettyErrors: true, logLevel: 'error' });
  } catch (e) {
    const msg = errorMessage(e).split('\n')[0];
    return {
      config: null,
      warnings: [],
      problems: [{ object: 'config', file, field: '', message: `malformed YAML: ${msg}`, code: 'CONFIG_YAML' }],
    };
  }
  return validateConfig(doc, file);
}
