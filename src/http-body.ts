// A response body read whole, up to a bound: an answer larger than `maxBytes` (by its
// Content-Length, or as it streams in) is cancelled and answers null, so a misbehaving server
// costs at most that much memory. Shared by scalers/ and forges/.

export async function readCapped(res: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    return null;
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `fetchImpl` whose answers stop at `maxBytes`: a larger Content-Length is refused before the body
 * is read, a streamed body errors once past it (for clients such as octokit that read bodies
 * themselves).
 */
export function cappedFetch(fetchImpl: typeof fetch, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const res = await fetchImpl(input, init);
    const declared = Number(res.headers.get('content-length'));
    const tooLarge = () => new Error(`the answer is larger than ${maxBytes} bytes: not read`);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    if (!res.body) return res;
    let size = 0;
    const counted = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }));
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
