/**
 * A small client of Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`)
 * for `modelfleet observe`: form-encoded POSTs (a query naming hundreds of
 * copies does not fit a URL), a server-side `timeout` plus a client-side one,
 * and every failure turned into a `PrometheusError` that says what happened
 * and what to check. No dependency beyond Node's `fetch`.
 *
 * @see https://prometheus.io/docs/prometheus/latest/querying/api/
 */

/** What went wrong talking to Prometheus; `empty`: it answered, but with no series for any copy. */
export type PrometheusErrorKind = 'unreachable' | 'http' | 'timeout' | 'bad-response' | 'empty';

/** A failed Prometheus request: `message` is a complete sentence for the user. */
export class PrometheusError extends Error {
  public constructor(
    message: string,
    /** The class of failure. */
    public readonly kind: PrometheusErrorKind,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/** One series of an instant vector. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  /** The value, parsed (`NaN`, `+Inf` as JavaScript numbers). */
  readonly value: number;
}

/** One series of a range vector: `[unix seconds, value]` pairs, ascending. */
export interface MatrixSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly (readonly [number, number])[];
}

/** Options of `PrometheusClient`. */
export interface PrometheusClientOptions {
  /** Base URL: `http://prometheus.monitoring:9090` (a path prefix such as `/prometheus` is kept). */
  readonly url: string;
  /** Seconds one query may take, on the server (`timeout=`) and, with a few seconds' grace, on the client. */
  readonly timeoutSeconds: number;
  /** Extra request headers (an `Authorization` for a Prometheus behind a proxy). @default - none */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Seconds the client waits beyond the server-side timeout before giving up on its own. */
const CLIENT_GRACE_SECONDS = 5;

/** A Prometheus HTTP API client. */
export class PrometheusClient {
  private readonly base: string;

  public constructor(private readonly options: PrometheusClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new PrometheusError(`--prometheus ${JSON.stringify(options.url)} is not a URL; give e.g. http://prometheus.monitoring:9090`, 'unreachable');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PrometheusError(`--prometheus ${JSON.stringify(options.url)} is not an http(s) URL; give e.g. http://prometheus.monitoring:9090`, 'unreachable');
    }
    this.base = url.href.replace(/\/+$/, '');
  }

  /** An instant query evaluated at `time` (unix seconds). */
  public async query(expr: string, time: number): Promise<VectorSample[]> {
    const data = await this.post('/api/v1/query', { query: expr, time: String(time) });
    if (data.resultType !== 'vector' || !Array.isArray(data.result)) throw this.badResponse('/api/v1/query', `expected a vector, got ${String(data.resultType)}`);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** A range query from `start` to `end` (unix seconds, inclusive) every `stepSeconds`. */
  public async queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<MatrixSeries[]> {
    const data = await this.post('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(stepSeconds) });
    if (data.resultType !== 'matrix' || !Array.isArray(data.result)) throw this.badResponse('/api/v1/query_range', `expected a matrix, got ${String(data.resultType)}`);
    return (data.result as { metric: Record<string, string>; values: [number, string][] }[]).map((r) => ({
      metric: r.metric,
      values: r.values.map(([t, v]) => [t, Number(v)] as const),
    }));
  }

  private async post(path: string, params: Record<string, string>): Promise<{ resultType?: unknown; result?: unknown }> {
    const url = `${this.base}${path}`;
    const body = new URLSearchParams({ ...params, timeout: `${this.options.timeoutSeconds}s` });
    const doFetch = this.options.fetch ?? globalThis.fetch;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(this.options.headers ?? {}) },
        body,
        signal: AbortSignal.timeout((this.options.timeoutSeconds + CLIENT_GRACE_SECONDS) * 1000),
      });
      text = await response.text();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new PrometheusError(
          `Prometheus at ${this.base} did not answer ${path} within ${this.options.timeoutSeconds + CLIENT_GRACE_SECONDS} s; raise --query-timeout, shorten --since, or check that the URL is Prometheus' API`,
          'timeout',
        );
      }
      const reason = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new PrometheusError(`cannot reach Prometheus at ${this.base} (${reason}); check --prometheus, and that this machine can reach it (kubectl port-forward -n monitoring svc/prometheus 9090)`, 'unreachable');
    }
    let json: { status?: string; data?: { resultType?: unknown; result?: unknown }; errorType?: string; error?: string } | undefined;
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      json = undefined;
    }
    if (!response.ok || json?.status !== 'success') {
      const detail = json?.error ? `${json.errorType ?? 'error'}: ${json.error}` : snippet(text);
      if (json?.errorType === 'timeout' || (response.status === 503 && /timeout|timed out/i.test(detail))) {
        throw new PrometheusError(
          `Prometheus at ${this.base} gave up on a query after --query-timeout ${this.options.timeoutSeconds}s (${detail}); raise --query-timeout, or shorten --since`,
          'timeout',
        );
      }
      const hint =
        response.status === 404
          ? 'check that --prometheus is the server\'s base URL (without /api/v1), including any path prefix'
          : response.status === 401 || response.status === 403
            ? 'the server refused the credentials; pass them with --header "Authorization: Bearer …"'
            : response.status >= 500
              ? 'the server failed; retry, or check Prometheus\' logs'
              : 'check --prometheus and --selector';
      throw new PrometheusError(`Prometheus at ${this.base} answered ${path} with HTTP ${response.status}${detail ? ` (${detail})` : ''}; ${hint}`, 'http');
    }
    if (!json.data) throw this.badResponse(path, 'no data');
    return json.data;
  }

  private badResponse(path: string, what: string): PrometheusError {
    return new PrometheusError(`Prometheus at ${this.base} answered ${path} with an unexpected body (${what}); check that --prometheus is Prometheus' HTTP API`, 'bad-response');
  }
}

/** The first 200 characters of a body, on one line. */
function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
