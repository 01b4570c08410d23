// `run`'s config from its three sources: the config file (its last accepted config and text), the
// cluster's objects (`watch:`) and what each `discover: true` repository's last scan found. Each
// change gives the next config to run, with what to log about it as values (each refused or shadowed
// object said once per change, not at every merge) and the cluster's ScaledObjects that were
// refused (their status says why). No I/O: the caller reads the file, watches the cluster and logs.
import type { KubeObject } from '../../cluster/index.js';
import type { Config, ConfigProblem } from '../../config/types.js';
import type { Discovered } from '../runtime/discover.js';
import { envWarning, type LoadDeps } from './load.js';
import { mergeClusterObjects, type ClusterObjects, type Merged } from './merge.js';

/** One line to log. */
export interface Said {
  level: 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export interface NextConfig {
  config: Config;
  /** What this merge has to say that the last one did not. */
  said: Said[];
  /** The cluster's ScaledObjects this config leaves out, each with its (first) problem. */
  refused: { object: KubeObject; problem: ConfigProblem }[];
}

export interface ConfigSources {
  /** A reload of the file that validated: its config and the text it was read from. */
  setFile(config: Config, text: string | null): void;
  /** What the cluster holds now (`watch:`). */
  setCluster(objects: ClusterObjects): void;
  /** A repository's scan: false when it found what the last one did (nothing to merge again). */
  setDiscovered(repository: string, found: Discovered): boolean;
  /** The config the sources make now. */
  next(): NextConfig;
}

export function createConfigSources(file: Config, deps: LoadDeps): ConfigSources {
  let fileConfig = file;
  let fileText: string | null = null;
  let cluster: ClusterObjects = { scaledObjects: [], triggerAuthentications: [] };
  const discovered = new Map<string, Discovered>();
  /** What the last merge said (refused objects, shadowed TriggerAuthentications): only a change is said again. */
  let refusedSaid = '';
  let shadowedSaid = '';

  return {
    setFile(config, text) {
      fileConfig = config;
      fileText = text;
    },
    setCluster(objects) {
      cluster = objects;
    },
    setDiscovered(repository, found) {
      if (JSON.stringify(discovered.get(repository)) === JSON.stringify(found)) return false;
      discovered.set(repository, found);
      return true;
    },
    next() {
      const found = fileConfig.repositories
        .filter((r) => r.discover)
        .flatMap((r) => (discovered.has(r.name) ? [discovered.get(r.name)!] : []));
      const more = (fileConfig.watch && (cluster.scaledObjects.length || cluster.triggerAuthentications.length)) || found.length;
      if (!more) return { config: fileConfig, said: [], refused: [] };
      const merged = mergeClusterObjects(fileText ?? '', fileConfig.file, cluster, deps, found);
      const said: Said[] = [];
      // An invalid ScaledObject from the cluster is dropped and reported (once per change); the others run.
      const refused = JSON.stringify([
        merged.problems,
        merged.authProblems,
        merged.discoveredProblems,
        merged.discoveredWarnings,
        merged.discoveredEnvMissing,
      ]);
      if (refused !== refusedSaid) said.push(...refusals(merged));
      refusedSaid = refused;
      if (merged.shadowed.join() !== shadowedSaid && merged.shadowed.length)
        said.push({
          level: 'warn',
          message:
            'TriggerAuthentications from the cluster ignored: one of the same kind and name comes first (the config file, then gitscale.dev, then keda.sh)',
          fields: { ignored: merged.shadowed },
        });
      shadowedSaid = merged.shadowed.join();
      const problems = [...merged.problems, ...merged.discoveredProblems];
      const refusedObjects = cluster.scaledObjects.flatMap((object) => {
        const problem = problems.find((x) => x.object === `${object.metadata.namespace}/${object.metadata.name}`);
        return problem ? [{ object, problem }] : [];
      });
      return { config: merged.config ?? fileConfig, said, refused: refusedObjects };
    },
  };
}

/** A merge's warnings and refused objects, as the log says them. */
function refusals(merged: Merged): Said[] {
  const where = (p: ConfigProblem) => ({ object: p.object, file: p.file, field: p.field, code: p.code });
  return [
    // A discovered object's warnings are those of the same object in the file (logged as the file's are).
    ...[...merged.discoveredWarnings, ...merged.discoveredEnvMissing.map(envWarning)].map((w): Said => ({
      level: 'warn',
      message: 'config warning',
      fields: { ...where(w), warning: w.message },
    })),
    ...merged.discoveredProblems.map((p): Said => ({
      level: 'error',
      message: 'ScaledObject from the repository refused',
      fields: { ...where(p), error: p.message },
    })),
    ...merged.authProblems.map((p): Said => ({
      level: 'error',
      message: 'TriggerAuthentication from the cluster refused',
      fields: { ...where(p), error: p.message },
    })),
    ...merged.problems.map((p): Said => ({
      level: 'error',
      message: 'ScaledObject from the cluster refused',
      fields: { object: p.object, field: p.field, code: p.code, error: p.message },
    })),
  ];
}
