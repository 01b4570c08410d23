// Which rendered objects a kustomize patch `target:` selects: kustomize's Selector (group, version,
// kind, name, namespace as anchored regular expressions; labelSelector and annotationSelector in
// Kubernetes' label-selector syntax).
import type { Tracked } from './types.js';
import { Unknowable } from './types.js';

export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

function anchored(pattern: string, what: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new Unknowable(`the patch target's ${what} '${pattern}' is not a regular expression gitscale can read`);
  }
}

const field = (pattern: string | undefined, value: string | undefined, what: string): boolean =>
  pattern === undefined || pattern === '' || anchored(pattern, what).test(value ?? '');

/** Does `sel` select `o`? A name pattern matches any name the object has had, as kustomize's does. */
export function selects(sel: Selector, o: Tracked): boolean {
  return (
    field(sel.group, o.group, 'group') &&
    field(sel.version, o.version, 'version') &&
    field(sel.kind, o.kind, 'kind') &&
    (sel.name === undefined || sel.name === '' || o.names.some((n) => anchored(sel.name!, 'name').test(n))) &&
    // Kustomize matches the namespace an object was written with or its current one ('default' when none).
    (sel.namespace === undefined ||
      sel.namespace === '' ||
      [o.namespaces[0], o.namespaces[o.namespaces.length - 1]].some((n) => anchored(sel.namespace!, 'namespace').test(n))) &&
    (sel.labelSelector === undefined || matchesSelector(sel.labelSelector, o.labels, 'labelSelector')) &&
    (sel.annotationSelector === undefined || matchesSelector(sel.annotationSelector, o.annotations, 'annotationSelector'))
  );
}

/** Split at commas outside parentheses. */
function requirements(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

const SET = /^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/;
const CMP = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/;
const EXISTS = /^(!?)([^\s!=()]+)$/;

/** Kubernetes label-selector syntax: key, !key, key=v, key==v, key!=v, key in (a,b), key notin (a,b). */
function matchesSelector(text: string, labels: Record<string, string>, what: string): boolean {
  return requirements(text).every((r) => {
    let m = SET.exec(r);
    if (m) {
      const values = m[3].split(',').map((s) => s.trim());
      const has = Object.hasOwn(labels, m[1]);
      return m[2] === 'in' ? has && values.includes(labels[m[1]]) : !has || !values.includes(labels[m[1]]);
    }
    m = CMP.exec(r);
    if (m) return m[2] === '!=' ? labels[m[1]] !== m[3] : Object.hasOwn(labels, m[1]) && labels[m[1]] === m[3];
    m = EXISTS.exec(r);
    if (m) return m[1] === '!' ? !Object.hasOwn(labels, m[2]) : Object.hasOwn(labels, m[2]);
    throw new Unknowable(`the patch target's ${what} '${text}' is not a selector gitscale can read`);
  });
}
