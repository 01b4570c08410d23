// One GET for the HTTP scalers (prometheus, metrics-api): through the injected fetch, with a TLS
// client (a CA, a client certificate, unsafeSsl) when the trigger needs one, the answer read up to
// a bound, and every transport failure a ScalerError naming the trigger.
import { errorMessage } from '../../errors.js';
import { readCapped } from '../../http-body.js';
import { networkError, scalerError, tlsError, type ErrorContext } from '../errors.js';

/** TLS for one trigger's requests: PEM texts from its TriggerAuthentication, and whether the server's certificate is checked. */
export interface HttpTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

/** What cli/ builds from HttpTlsOptions (an undici Agent): handed to fetch as its dispatcher. */
export interface HttpTlsLike {
  readonly dispatcher: unknown;
  close(): Promise<void>;
}

/** The client an HTTP scaler is created with (the registry's ScalerClients composes it). */
export interface HttpClients {
  /** TLS for HTTP scalers (a CA, a client certificate, unsafeSsl): passed to `fetch` as its dispatcher. */
  httpTls(options: HttpTlsOptions): HttpTlsLike;
}

export interface HttpAnswer {
  status: number;
  /** null: longer than the bound, not read. */
  body: string | null;
}

const causeOf = (e: unknown): unknown => {
  let c = e;
  for (let i = 0; i < 5 && c && typeof c === 'object' && 'cause' in c && (c as { cause?: unknown }).cause; i++) c = c.cause;
  return c;
};

export async function httpGet(
  ctx: ErrorContext,
  fetchFn: typeof fetch,
  url: URL,
  shown: string,
  o: { headers: Record<string, string>; signal: AbortSignal; maxBytes: number; tls?: HttpTlsLike; tlsField: string },
): Promise<HttpAnswer> {
  try {
    const init = {
      method: 'GET',
      headers: o.headers,
      signal: o.signal,
      redirect: 'follow',
      ...(o.tls ? { dispatcher: o.tls.dispatcher } : {}),
    };
    const res = await fetchFn(url, init as RequestInit);
    return { status: res.status, body: await readCapped(res, o.maxBytes) };
  } catch (e) {
    throw (
      networkError(ctx, e, shown, o.signal) ??
      tlsError(ctx, causeOf(e), shown, o.tlsField) ??
      scalerError(ctx, 'SCALER_UNAVAILABLE', `GET ${shown} failed: ${errorMessage(causeOf(e))}`)
    );
  }
}

/** `text` as an http(s) URL, or undefined when it is not one. */
export function httpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return /^https?:$/.test(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The URL as messages may show it: no credentials, no query (it may carry an API key or a PromQL query). */
export function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
