// Types of the kustomize render: what gitscale tracks of each rendered object (enough to match
// patches and selectors, and its replica count with where that count came from).

/** An object's replica count as the layers so far leave it. */
export type Count =
  /** Set by `how` (`the resource`, or the entry of a patch or replicas list, e.g. `patches[0]`) at `file` (line when known). */
  | { kind: 'set'; n: number; file: string; line?: number; how: string; by: 'resource' | 'patch' | 'replicas' }
  /** No layer sets it: the API server's default applies. */
  | { kind: 'absent' }
  /** A layer may set it in a way gitscale does not follow; `why` names that layer and what to do. */
  | { kind: 'unknown'; why: string };

/** One rendered object, as far as gitscale follows it. */
export interface Tracked {
  kind: string;
  /** apiVersion's group ('' for core) and version. */
  group: string;
  version: string;
  /** Every name the object had, the first as written in its file, the current one last. */
  names: string[];
  namespace?: string;
  /** Every namespace the object had ('default' when none was written), the first as written, the current one last. */
  namespaces: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  count: Count;
  /** The file the object was declared in. */
  file: string;
}

/**
 * What the render reads: a file's text, null when the repository has no such file, undefined
 * when it has not been read yet (the caller reads it and renders again).
 */
export type Files = (path: string) => string | null | undefined;

/** The count the rendered manifests carry for one workload, or the files still to read. */
export type Rendered = { kind: 'count'; count: Count } | { kind: 'need'; paths: string[] };

/** Thrown inside the render when files it needs are not read yet; caught at its entry. */
export class Pending {
  constructor(readonly paths: string[]) {}
}

/** Thrown inside the render for what makes the count unknowable (a remote base, a missing file). */
export class Unknowable {
  constructor(readonly why: string) {}
}
