// Response bodies up to a bound: an answer larger than `maxBytes` (by its Content-Length, or as
// it streams in) is cancelled, so a misbehaving server costs at most that much memory. Shared by
// scalers/ and forges/.

class TooLarge extends Error {
  constructor(maxBytes: number) {
    super(`the answer is larger than ${maxBytes} bytes: not read`);
  }
}

/** `res` with a body that errors past `maxBytes`; throws at once when its Content-Length says so. */
async function capped(res: Response, maxBytes: number): Promise<Response> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new TooLarge(maxBytes);
  }
  if (!res.body) return res;
  let size = 0;
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > maxBytes) controller.error(new TooLarge(maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** The body whole, or null when it is larger than `maxBytes`. */
export async function readCapped(res: Response, maxBytes: number): Promise<string | null> {
  try {
    return await (await capped(res, maxBytes)).text();
  } catch (e) {
    if (e instanceof TooLarge) return null;
    throw e;
  }
}

/** `fetchImpl` whose answers stop at `maxBytes` (for clients such as octokit that read bodies themselves). */
export function cappedFetch(fetchImpl: typeof fetch, maxBytes: number): typeof fetch {
  return async (input, init) => capped(await fetchImpl(input, init), maxBytes);
}
