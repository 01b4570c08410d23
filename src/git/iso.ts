// isomorphic-git (~50 ms to load) for what gitscale does not do with its own object store: a
// local checkout's refs, status and index, and history walks. Loaded on first use, so a run over
// remote repositories never loads it (import() returns the loaded module after the first time).
export const isoGit = async () => (await import('isomorphic-git')).default;
