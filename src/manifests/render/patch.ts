// What a kustomize patch does to the objects gitscale follows: a strategic-merge patch (a partial
// object, matched by kind and name, or every object its `target:` selects) or a JSON 6902 patch
// (a list of operations on the objects its `target:` selects). Only the replica count, names and
// labels are followed; anything that could move the count in a way not followed makes it unknown.
import { isSeq, parseAllDocuments } from 'yaml';
import { isObj } from '../common.js';
import { selects, type Selector } from './select.js';
import { Unknowable, type Count, type Tracked } from './types.js';

/** Where a patch came from, for the count's provenance and for messages. */
export interface PatchSource {
  /** The file holding the patch (the kustomization for an inline one). */
  file: string;
  /** e.g. `patches[1]`, `patchesStrategicMerge[0]`. */
  entry: string;
}

type Parsed = { kind: 'smp'; docs: Record<string, any>[] } | { kind: 'json6902'; ops: unknown[] };

function parsePatch(text: string, src: PatchSource): Parsed {
  const docs = parseAllDocuments(text, { prettyErrors: false, logLevel: 'error' });
  if (docs.some((d) => d.errors.length > 0)) throw new Unknowable(`${src.entry} in ${src.file} does not parse as YAML`);
  if (docs.length === 1 && isSeq(docs[0].contents)) return { kind: 'json6902', ops: docs[0].toJS({ maxAliasCount: 100 }) as unknown[] };
  return { kind: 'smp', docs: docs.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown).filter(isObj) };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function countFrom(value: unknown, src: PatchSource, how: string): Count {
  if (value === undefined || value === null) return { kind: 'absent' };
  if (!isCount(value)) throw new Unknowable(`${src.entry} in ${src.file} sets replicas to ${JSON.stringify(value)}, not a count`);
  return { kind: 'set', n: value, file: src.file, how, by: 'patch' };
}

const groupOf = (apiVersion: unknown): { group: string; version: string } => {
  const s = typeof apiVersion === 'string' ? apiVersion : '';
  const i = s.indexOf('/');
  return i === -1 ? { group: '', version: s } : { group: s.slice(0, i), version: s.slice(i + 1) };
};

/** Merge a strategic-merge patch's labels (null removes one). */
function mergeLabels(into: Record<string, string>, patch: unknown): Record<string, string> {
  if (!isObj(patch)) return into;
  const out = { ...into };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = String(v);
  }
  return out;
}

/** One strategic-merge document applied to one object (null: the patch deletes it). */
function applySmp(o: Tracked, doc: Record<string, any>, src: PatchSource): Tracked | null {
  if (doc.$patch === 'delete') return null;
  const how = src.entry;
  let count = o.count;
  if (doc.$patch === 'replace') count = countFrom(isObj(doc.spec) ? doc.spec.replicas : undefined, src, how);
  else if (isObj(doc.spec)) {
    if (doc.spec.$patch === 'replace') count = countFrom(doc.spec.replicas, src, how);
    else if (doc.spec.$patch === 'delete') count = { kind: 'absent' };
    else if (Object.hasOwn(doc.spec, 'replicas')) count = countFrom(doc.spec.replicas, src, how);
  } else if (doc.spec === null && Object.hasOwn(doc, 'spec')) count = { kind: 'absent' };
  const meta = isObj(doc.metadata) ? doc.metadata : {};
  return { ...o, count, labels: mergeLabels(o.labels, meta.labels), annotations: mergeLabels(o.annotations, meta.annotations) };
}

const unescape = (seg: string) => seg.replace(/~1/g, '/').replace(/~0/g, '~');

/** JSON 6902 operations applied to one object, in order. */
function applyOps(o: Tracked, ops: unknown[], src: PatchSource): Tracked {
  const how = src.entry;
  let cur = o;
  for (const raw of ops) {
    if (!isObj(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string')
      throw new Unknowable(`${src.entry} in ${src.file} has an operation gitscale cannot read`);
    const { op, path, value, from } = raw as { op: string; path: string; value?: unknown; from?: unknown };
    const writes = op === 'add' || op === 'replace';
    if (from === '/spec/replicas' && op === 'move') cur = { ...cur, count: { kind: 'absent' } };
    if (path === '/spec/replicas') {
      if (writes) cur = { ...cur, count: countFrom(value, src, how) };
      else if (op === 'remove') cur = { ...cur, count: { kind: 'absent' } };
      else if (op !== 'test')
        throw new Unknowable(
          `${src.entry} in ${src.file} ${op === 'copy' ? 'copies' : 'moves'} a value into /spec/replicas; gitscale cannot follow it`,
        );
    } else if (path === '/spec' || path === '') {
      const spec = path === '' ? (isObj(value) ? value.spec : undefined) : value;
      if (writes) cur = { ...cur, count: countFrom(isObj(spec) ? spec.replicas : undefined, src, how) };
      else if (op === 'remove') cur = { ...cur, count: { kind: 'absent' } };
      else if (op !== 'test')
        throw new Unknowable(`${src.entry} in ${src.file} ${op}s ${path || 'the whole object'}; gitscale cannot follow it`);
    } else if (path.startsWith('/spec/replicas/')) {
      throw new Unknowable(`${src.entry} in ${src.file} writes below /spec/replicas`);
    } else if (path === '/metadata/name' && writes && typeof value === 'string') {
      cur = { ...cur, names: [...cur.names, value] };
    } else if (path.startsWith('/metadata/labels/')) {
      const key = unescape(path.slice('/metadata/labels/'.length));
      const labels = { ...cur.labels };
      if (writes) labels[key] = String(value);
      else if (op === 'remove') delete labels[key];
      cur = { ...cur, labels };
    }
  }
  return cur;
}

/** The SMP document's own identity matches the object (kind, any of its names, namespace when set). */
function smpMatches(doc: Record<string, any>, o: Tracked): boolean {
  const meta = isObj(doc.metadata) ? doc.metadata : {};
  if (doc.kind !== o.kind || typeof meta.name !== 'string' || !o.names.includes(meta.name)) return false;
  const { group } = groupOf(doc.apiVersion);
  if (doc.apiVersion !== undefined && group !== o.group) return false;
  // Kustomize matches the namespace an object was written with or its current one ('default' when none).
  return meta.namespace === undefined || meta.namespace === o.namespaces[0] || meta.namespace === o.namespaces[o.namespaces.length - 1];
}

/** Apply one patch (its text, and its `target:` when given) to every object it reaches. */
/** Kinds whose count a patch may set. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Rollout']);

/** `generated`: some layer has generators or Helm charts, whose objects gitscale does not see. */
export function applyPatch(objects: Tracked[], text: string, target: Selector | undefined, src: PatchSource, generated = false): Tracked[] {
  const parsed = parsePatch(text, src);
  if (parsed.kind === 'json6902') {
    if (!target) throw new Unknowable(`${src.entry} in ${src.file} is a JSON 6902 patch without a target`);
    return objects.map((o) => (selects(target, o) ? applyOps(o, parsed.ops, src) : o));
  }
  let out = objects;
  for (const doc of parsed.docs) {
    // Without a target, kustomize refuses a patch that reaches nothing: a workload's patch that
    // reaches nothing here means gitscale matched differently, so the count is not known. (A
    // ConfigMap's may patch what a generator made, which gitscale does not follow.)
    if (!target && WORKLOAD_KINDS.has(String(doc.kind)) && !generated && !out.some((o) => smpMatches(doc, o))) {
      const meta = isObj(doc.metadata) ? doc.metadata : {};
      throw new Unknowable(
        `${src.entry} in ${src.file} patches ${String(doc.kind)} ${String(meta.name)}, which nothing below it is (kustomize refuses to build it)`,
      );
    }
    out = out.flatMap((o) => {
      const reached = target ? selects(target, o) : smpMatches(doc, o);
      if (!reached) return [o];
      const after = applySmp(o, doc, src);
      return after ? [after] : [];
    });
  }
  return out;
}

export { groupOf };
