// At most `max` requests in flight to one endpoint (scheme://host:port) at once; the rest wait in
// order. Each endpoint has its own lane, so a slow endpoint holds only its own triggers. A request
// whose signal aborts while waiting leaves the queue with the signal's reason.
export function limitPerEndpoint(fetchFn: typeof fetch, max: number): typeof fetch {
  const lanes = new Map<string, { active: number; waiting: { go: () => void }[] }>();
  const endpoint = (input: Parameters<typeof fetch>[0]): string => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  };
  const limited = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const key = endpoint(input);
    let lane = lanes.get(key);
    if (!lane) lanes.set(key, (lane = { active: 0, waiting: [] }));
    if (lane.active < max) lane.active++;
    else {
      // The slot is handed over by the request that ends (active stays the same).
      const l = lane;
      await new Promise<void>((resolve, reject) => {
        const waiter = { go: () => (init?.signal?.removeEventListener('abort', abort), resolve()) };
        const abort = () => {
          const at = l.waiting.indexOf(waiter);
          if (at >= 0) l.waiting.splice(at, 1);
          reject(init?.signal?.reason ?? new Error('aborted'));
        };
        if (init?.signal?.aborted) return abort();
        init?.signal?.addEventListener('abort', abort, { once: true });
        l.waiting.push(waiter);
      });
    }
    try {
      return await fetchFn(input, init);
    } finally {
      const next = lane.waiting.shift();
      if (next) next.go();
      else if (--lane.active === 0) lanes.delete(key);
    }
  };
  return limited;
}
