// Bounds on YAML text before it is parsed (the parser's memory runs to ~170× the text, and deep
// nesting costs more): size, flow nesting depth, and the number of documents, checked in one
// linear pass. Shared by config/ and manifests/; pure.

export interface YamlLimits {
  maxBytes: number;
  /** Deepest nesting of flow collections ([ … ] and { … }). */
  maxDepth: number;
  maxDocuments: number;
}

/** Manifests: a Kubernetes object is at most ~1.5 MiB (etcd's limit); a file of them, 1 MiB by default. */
export const MANIFEST_LIMITS: YamlLimits = { maxBytes: 1024 * 1024, maxDepth: 128, maxDocuments: 1000 };

/** The most `repositories[].maxManifestBytes` may raise a manifest's size to (memory runs to ~100× it). */
export const MANIFEST_BYTES_CEILING = 16 * 1024 * 1024;

/** MANIFEST_LIMITS with a repository's own size limit, when it sets one. */
export const manifestLimits = (maxBytes: number | undefined): YamlLimits =>
  maxBytes === undefined ? MANIFEST_LIMITS : { ...MANIFEST_LIMITS, maxBytes };

/** gitscale's own config (one document; 10,000 ScaledObjects take ~4 MB). */
export const CONFIG_LIMITS: YamlLimits = { maxBytes: 32 * 1024 * 1024, maxDepth: 128, maxDocuments: 1 };

const indentAt = (text: string, lineStart: number) => {
  let n = 0;
  while (text[lineStart + n] === ' ') n++;
  return n;
};

/** Why `text` is beyond `limits` (and is not parsed), or null when within them. */
export function yamlLimitProblem(text: string, limits: YamlLimits): string | null {
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes) return `${bytes} bytes, above the limit of ${limits.maxBytes}: refused before parsing`;
  let depth = 0;
  let separators = 0;
  let quote = '';
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') lineStart = i + 1;
    if (quote) {
      if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = '';
      } else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
    } else if ((c === '"' || c === "'") && (depth > 0 || /[\s:[{,]/.test(text[i - 1] ?? ' '))) quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > limits.maxDepth)
        return `flow collections nested deeper than ${limits.maxDepth} levels (at byte ${i}): refused before parsing`;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
    else if ((c === '|' || c === '>') && depth === 0 && /^[|>][-+0-9]*[ \t]*(#.*)?(\n|$)/.test(text.slice(i, i + 64))) {
      // A block scalar: its lines (more indented than the line that opens it) are text, not YAML.
      const base = indentAt(text, lineStart);
      let next = text.indexOf('\n', i);
      while (next >= 0) {
        const end = text.indexOf('\n', next + 1);
        const line = text.slice(next + 1, end < 0 ? text.length : end);
        if (line.trim() !== '' && indentAt(line, 0) <= base) break;
        next = end;
      }
      if (next < 0) break;
      i = next - 1;
    } else if (c === '-' && i === lineStart && /^---(\s|$)/.test(text.slice(i, i + 4))) {
      separators++;
      const documents = separators + (text.startsWith('---') ? 0 : 1);
      if (documents > limits.maxDocuments)
        return `more than ${limits.maxDocuments} YAML document${limits.maxDocuments === 1 ? '' : 's'}: refused before parsing`;
    }
  }
  return null;
}
