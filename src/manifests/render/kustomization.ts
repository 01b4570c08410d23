// The replica count a kustomization renders for one workload, as `kustomize build` would give it:
// its resources (files, and local directories built the same way, however deep), its components,
// then its own transformers in kustomize's order (patchesStrategicMerge, patches, namespace,
// namePrefix/nameSuffix, labels, annotations, patchesJson6902, replicas). Only what can move a
// replica count is followed; what gitscale cannot follow (a remote base, a replacement or a
// transformer plugin touching replicas, a missing file) makes the count unknown, with the reason.
// Pure: files come from `files`, which says which ones are not read yet.
import { isMap, parseAllDocuments } from 'yaml';
import { isObj, lineOf, offsetOf } from '../common.js';
import { applyPatch, groupOf } from './patch.js';
import type { Selector } from './select.js';
import { Pending, Unknowable, type Count, type Files, type Rendered, type Tracked } from './types.js';

import { KUSTOMIZATION_FILE_NAMES as KUSTOMIZATION_NAMES } from '../formats/kustomize.js';
/** Kinds kustomize's `replicas:` reaches (its default field specs). */
const REPLICAS_KINDS = new Set(['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet']);
const MAX_DEPTH = 32;
const GENERATORS = ['generators', 'helmCharts', 'helmChartInflationGenerator', 'configMapGenerator', 'secretGenerator'];

/** `generated.seen`: some layer read so far has generators or Helm charts, whose objects gitscale does not see. */
interface Walk {
  files: Files;
  depth: number;
  visiting: string[];
  generated: { seen: boolean };
}

const dirOf = (file: string): string => (file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '');

/** `dir` + `rel`, normalised; throws for a path that leaves the repository. */
function joinPath(dir: string, rel: string, from: string): string {
  const out: string[] = [];
  for (const seg of [...dir.split('/'), ...rel.split('/')]) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new Unknowable(`'${rel}' in ${from} points outside the repository`);
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

const isRemote = (ref: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || /^git@|^git::|^github\.com\//i.test(ref) || ref.includes('?ref=') || /[^:]\/\/[^/]/.test(ref);

/** Every text of `paths`, reading none twice; throws Pending naming all those not read yet. */
function fetchAll(w: Walk, paths: string[]): (string | null)[] {
  const texts = paths.map((p) => w.files(p));
  const missing = paths.filter((_, i) => texts[i] === undefined);
  if (missing.length > 0) throw new Pending([...new Set(missing)]);
  return texts as (string | null)[];
}

function parseMap(text: string, file: string): Record<string, any> {
  const docs = parseAllDocuments(text, { prettyErrors: false, logLevel: 'error' });
  if (docs.some((d) => d.errors.length > 0)) throw new Unknowable(`${file} does not parse as YAML`);
  const maps = docs.filter((d) => isMap(d.contents));
  if (maps.length !== 1) throw new Unknowable(`${file} is not a single kustomization document`);
  return maps[0].toJS({ maxAliasCount: 100 }) as Record<string, any>;
}

const strings = (v: unknown, field: string, file: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Unknowable(`${field} in ${file} is not a list of paths`);
  return v as string[];
};

/** The objects of one resource file. */
function objectsOf(text: string, file: string): Tracked[] {
  const docs = parseAllDocuments(text, { prettyErrors: false, logLevel: 'error' });
  if (docs.some((d) => d.errors.length > 0)) throw new Unknowable(`${file} does not parse as YAML`);
  return docs.flatMap((d): Tracked[] => {
    const o = d.toJS({ maxAliasCount: 100 }) as unknown;
    if (!isObj(o) || typeof o.kind !== 'string' || !isObj(o.metadata) || typeof o.metadata.name !== 'string') return [];
    const node = d.getIn(['spec', 'replicas'], true);
    const replicas = isObj(o.spec) ? o.spec.replicas : undefined;
    let count: Count = { kind: 'absent' };
    if (replicas !== undefined && replicas !== null) {
      count =
        typeof replicas === 'number' && Number.isSafeInteger(replicas) && replicas >= 0
          ? { kind: 'set', n: replicas, file, line: lineOf(text, offsetOf(node)), how: 'the resource', by: 'resource' }
          : {
              kind: 'unknown',
              why: `spec.replicas of ${o.kind} ${o.metadata.name} in ${file} is ${JSON.stringify(replicas)}, not a count`,
            };
    }
    const meta = o.metadata;
    const map = (v: unknown): Record<string, string> =>
      isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};
    return [
      {
        kind: o.kind,
        ...groupOf(o.apiVersion),
        names: [meta.name],
        namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
        namespaces: [typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default'],
        labels: map(meta.labels),
        annotations: map(meta.annotations),
        count,
        file,
      },
    ];
  });
}

/** A resource entry: a file's objects, or a local directory's kustomization rendered. */
function resource(w: Walk, dir: string, ref: string, from: string): Tracked[] {
  if (isRemote(ref)) throw new Unknowable(`resource '${ref}' in ${from} is remote; gitscale reads only this repository`);
  const path = joinPath(dir, ref, from);
  const [text] = fetchAll(w, [path]);
  if (text !== null) return objectsOf(text, path);
  const candidates = KUSTOMIZATION_NAMES.map((n) => (path ? `${path}/${n}` : n));
  const found = fetchAll(w, candidates).findIndex((t) => t !== null);
  if (found === -1)
    throw new Unknowable(`resource '${ref}' in ${from} is neither a file nor a directory with a kustomization in this repository`);
  return layer(w, candidates[found], []);
}

function patchText(w: Walk, dir: string, entry: { path?: unknown; patch?: unknown }, name: string, file: string): string {
  if (typeof entry.patch === 'string') return entry.patch;
  if (typeof entry.path !== 'string') throw new Unknowable(`${name} in ${file} has neither a patch nor a path`);
  if (isRemote(entry.path)) throw new Unknowable(`${name} in ${file} is remote`);
  const p = joinPath(dir, entry.path, file);
  const [text] = fetchAll(w, [p]);
  if (text === null) throw new Unknowable(`${name} in ${file} names ${p}, which is not in this repository`);
  return text;
}

/**
 * Ask at once for every file the kustomization names (a resource as a file and as a directory,
 * components, patch, replacement, transformer and configuration files), and for those the
 * kustomizations already read below it name, so a render reads a level of the tree per round, not
 * a file per round. Paths it cannot join are judged where they are used.
 */
function prefetch(w: Walk, dir: string, k: Record<string, any>, file: string): void {
  fetchAll(w, [...new Set(namedPaths(w, dir, k, file, new Set([file])))]);
}

function namedPaths(w: Walk, dir: string, k: Record<string, any>, file: string, seen: Set<string>): string[] {
  const paths: string[] = [];
  const local = (ref: unknown): string | undefined => {
    if (typeof ref !== 'string' || ref.includes('\n') || isRemote(ref)) return undefined;
    try {
      return joinPath(dir, ref, file);
    } catch {
      return undefined;
    }
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const asDir = (p: string) => KUSTOMIZATION_NAMES.map((n) => (p ? `${p}/${n}` : n));
  /** A directory's kustomization already read: what it names is asked for in the same round. */
  const below = (p: string) => {
    for (const candidate of asDir(p)) {
      const text = w.files(candidate);
      if (typeof text !== 'string' || seen.has(candidate) || seen.size > 10_000) continue;
      seen.add(candidate);
      try {
        paths.push(...namedPaths(w, dirOf(candidate), parseMap(text, candidate), candidate, seen));
      } catch {
        // judged when the render reaches it
      }
      return;
    }
  };
  for (const ref of [...list(k.resources), ...list(k.bases), ...list(k.components)]) {
    const p = local(ref);
    if (p === undefined) continue;
    paths.push(p, ...asDir(p));
    below(p);
  }
  for (const ref of [...list(k.patchesStrategicMerge), ...list(k.transformers), ...list(k.configurations)]) {
    const p = local(ref);
    if (p !== undefined) paths.push(p);
  }
  for (const e of [...list(k.patches), ...list(k.patchesJson6902), ...list(k.replacements)]) {
    const p = isObj(e) && typeof e.patch !== 'string' ? local(e.path) : undefined;
    if (p !== undefined) paths.push(p);
  }
  return paths;
}

/** Replacements and transformer plugins run after `replicas:`: one that mentions replicas could move the count. */
function laterTransformers(w: Walk, dir: string, k: Record<string, any>, file: string, objects: Tracked[]): Tracked[] {
  const texts: [string, string][] = [];
  for (const [i, r] of (Array.isArray(k.replacements) ? k.replacements : []).entries()) {
    texts.push([
      `replacements[${i}]`,
      isObj(r) && typeof r.path === 'string' ? patchText(w, dir, { path: r.path }, `replacements[${i}]`, file) : JSON.stringify(r),
    ]);
  }
  for (const [i, t] of (Array.isArray(k.transformers) ? k.transformers : []).entries()) {
    const text =
      typeof t === 'string' && !t.includes('\n') ? patchText(w, dir, { path: t }, `transformers[${i}]`, file) : JSON.stringify(t);
    texts.push([`transformers[${i}]`, text]);
  }
  // A configuration can give the replicas list more kinds (a Rollout) or other field paths.
  for (const [i, c] of (Array.isArray(k.configurations) ? k.configurations : []).entries()) {
    texts.push([
      `configurations[${i}]`,
      typeof c === 'string' ? patchText(w, dir, { path: c }, `configurations[${i}]`, file) : JSON.stringify(c),
    ]);
  }
  const touching = texts.find(([, t]) => /replicas/.test(t));
  if (!touching) return objects;
  const why = `${touching[0]} in ${file} may set replicas (or change what the replicas list reaches); gitscale does not follow it`;
  return objects.map((o) => ({ ...o, count: { kind: 'unknown', why } }));
}

const labelsOf = (k: Record<string, any>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(isObj(k.commonLabels) ? k.commonLabels : {})) out[key] = String(v);
  for (const l of Array.isArray(k.labels) ? k.labels : []) {
    if (isObj(l) && isObj(l.pairs)) for (const [key, v] of Object.entries(l.pairs)) out[key] = String(v);
  }
  return out;
};

/** Render the kustomization in `file` on top of `input` (a component's parent's objects; [] otherwise). */
function layer(w0: Walk, file: string, input: Tracked[]): Tracked[] {
  if (w0.depth >= MAX_DEPTH) throw new Unknowable(`kustomizations nest deeper than ${MAX_DEPTH} levels below ${file}`);
  if (w0.visiting.includes(file)) throw new Unknowable(`${file} includes itself (${[...w0.visiting, file].join(' → ')})`);
  const w: Walk = { ...w0, depth: w0.depth + 1, visiting: [...w0.visiting, file] };
  const [text] = fetchAll(w, [file]);
  if (text === null) throw new Unknowable(`${file} is not in this repository`);
  const k = parseMap(text, file);
  const dir = dirOf(file);
  prefetch(w, dir, k, file);
  if (GENERATORS.some((g) => k[g] !== undefined)) w.generated.seen = true;
  let objs = [...input];
  for (const ref of [...strings(k.resources, 'resources', file), ...strings(k.bases, 'bases', file)])
    objs.push(...resource(w, dir, ref, file));
  for (const ref of strings(k.components, 'components', file)) {
    if (isRemote(ref)) throw new Unknowable(`component '${ref}' in ${file} is remote`);
    const path = joinPath(dir, ref, file);
    const candidates = KUSTOMIZATION_NAMES.map((n) => (path ? `${path}/${n}` : n));
    const found = fetchAll(w, candidates).findIndex((t) => t !== null);
    if (found === -1) throw new Unknowable(`component '${ref}' in ${file} has no kustomization in this repository`);
    objs = layer(w, candidates[found], objs);
  }
  for (const [i, p] of strings(k.patchesStrategicMerge, 'patchesStrategicMerge', file).entries()) {
    const entry = `patchesStrategicMerge[${i}]`;
    const body = p.includes('\n') ? p : patchText(w, dir, { path: p }, entry, file);
    objs = applyPatch(objs, body, undefined, { file: p.includes('\n') ? file : joinPath(dir, p, file), entry }, w.generated.seen);
  }
  for (const [i, p] of (Array.isArray(k.patches) ? k.patches : []).entries()) {
    const entry = `patches[${i}]`;
    if (!isObj(p)) throw new Unknowable(`${entry} in ${file} is not a map`);
    const body = patchText(w, dir, p, entry, file);
    objs = applyPatch(
      objs,
      body,
      isObj(p.target) ? (p.target as Selector) : undefined,
      { file: typeof p.patch === 'string' ? file : joinPath(dir, String(p.path), file), entry },
      w.generated.seen,
    );
  }
  if (typeof k.namespace === 'string' && k.namespace !== '')
    objs = objs.map((o) => ({ ...o, namespace: k.namespace, namespaces: [...o.namespaces, k.namespace] }));
  const prefix = typeof k.namePrefix === 'string' ? k.namePrefix : '';
  const suffix = typeof k.nameSuffix === 'string' ? k.nameSuffix : '';
  if (prefix || suffix) objs = objs.map((o) => ({ ...o, names: [...o.names, `${prefix}${o.names[o.names.length - 1]}${suffix}`] }));
  const labels = labelsOf(k);
  const annotations = isObj(k.commonAnnotations)
    ? Object.fromEntries(Object.entries(k.commonAnnotations).map(([a, v]) => [a, String(v)]))
    : {};
  objs = objs.map((o) => ({ ...o, labels: { ...o.labels, ...labels }, annotations: { ...o.annotations, ...annotations } }));
  for (const [i, p] of (Array.isArray(k.patchesJson6902) ? k.patchesJson6902 : []).entries()) {
    const entry = `patchesJson6902[${i}]`;
    if (!isObj(p)) throw new Unknowable(`${entry} in ${file} is not a map`);
    objs = applyPatch(objs, patchText(w, dir, p, entry, file), isObj(p.target) ? (p.target as Selector) : undefined, {
      file: typeof p.patch === 'string' ? file : joinPath(dir, String(p.path), file),
      entry,
    });
  }
  for (const [i, r] of (Array.isArray(k.replicas) ? k.replicas : []).entries()) {
    if (!isObj(r) || typeof r.name !== 'string') throw new Unknowable(`replicas[${i}] in ${file} is not a {name, count} entry`);
    const n = r.count;
    const count: Count =
      typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
        ? { kind: 'set', n, file, how: `replicas[${i}]`, by: 'replicas' }
        : { kind: 'unknown', why: `replicas[${i}].count in ${file} is ${JSON.stringify(n)}, not a count` };
    // Kustomize matches the name an object was written with or its current one (not one in between).
    const reached = (o: Tracked) => REPLICAS_KINDS.has(o.kind) && (o.names[0] === r.name || o.names[o.names.length - 1] === r.name);
    // Objects a generator or a Helm chart makes are not followed: an entry may reach only those.
    if (!objs.some(reached) && !w.generated.seen)
      throw new Unknowable(
        `replicas[${i}] in ${file} names ${r.name}, which no ${[...REPLICAS_KINDS].join('/')} below it is called (kustomize refuses to build it)`,
      );
    objs = objs.map((o) => (reached(o) ? { ...o, count } : o));
  }
  return laterTransformers(w, dir, k, file, objs);
}

/** Kinds whose replica count the API server (or Argo Rollouts' controller) defaults to 1 when absent. */
const DEFAULTS_TO_ONE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Rollout']);
export const defaultsToOne = (kind: string): boolean => DEFAULTS_TO_ONE.has(kind);

/** Every object `file` (a kustomization) renders, as far as gitscale follows them; or the files to read first, or why it cannot. */
export function renderedObjects(
  file: string,
  files: Files,
): { kind: 'objects'; objects: Tracked[] } | { kind: 'need'; paths: string[] } | { kind: 'unknown'; why: string } {
  try {
    return { kind: 'objects', objects: layer({ files, depth: 0, visiting: [], generated: { seen: false } }, file, []) };
  } catch (e) {
    if (e instanceof Pending) return { kind: 'need', paths: e.paths };
    if (e instanceof Unknowable) return { kind: 'unknown', why: e.why };
    throw e;
  }
}

const currentName = (o: Tracked): string => o.names[o.names.length - 1];

/**
 * The count `file` (a kustomization) renders for the workload `kind`/`name` in `namespace`, or the
 * files to read first. A count gitscale cannot know is `{ kind: 'unknown', why }`.
 */
export function renderedCount(file: string, target: { kind: string; name: string; namespace: string }, files: Files): Rendered {
  const r = renderedObjects(file, files);
  if (r.kind === 'need') return r;
  if (r.kind === 'unknown') return { kind: 'count', count: { kind: 'unknown', why: r.why } };
  const objs = r.objects;
  const found = objs.filter(
    (o) => o.kind === target.kind && currentName(o) === target.name && (o.namespace === undefined || o.namespace === target.namespace),
  );
  if (found.length === 0) {
    const near = objs.filter((o) => o.kind === target.kind).map((o) => `${o.namespace ? `${o.namespace}/` : ''}${currentName(o)}`);
    const has = near.length ? `it renders ${target.kind} ${near.slice(0, 5).join(', ')}` : `it renders no ${target.kind}`;
    return {
      kind: 'count',
      count: {
        kind: 'unknown',
        why: `${file} does not render ${target.kind} ${target.namespace}/${target.name} from files in this repository (${has})`,
      },
    };
  }
  if (found.length > 1)
    return {
      kind: 'count',
      count: {
        kind: 'unknown',
        why: `${file} renders ${found.length} objects ${target.kind} ${target.name} (from ${found.map((o) => o.file).join(', ')})`,
      },
    };
  const { count } = found[0];
  if (count.kind === 'absent' && !defaultsToOne(target.kind)) {
    return {
      kind: 'count',
      count: {
        kind: 'unknown',
        why: `${target.kind} ${target.name} has no replicas in any layer, and gitscale does not know the default of a ${target.kind}`,
      },
    };
  }
  return { kind: 'count', count };
}
