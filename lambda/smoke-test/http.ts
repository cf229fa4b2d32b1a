import * as http from 'http';
import * as https from 'https';
import { isIP } from 'net';

/** Bodies beyond this are not kept: a check reads a health document, not a download. */
const MAX_BODY_BYTES = 1024 * 1024;
const USER_AGENT = 'cdk-ecs-release-smoke-test';

export interface HttpRequest {
  readonly url: URL;
  /** Connect to this address instead of the URL's host; the URL's host still goes in `Host` and SNI. */
  readonly connectTo?: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The whole response must arrive within this time. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly verifyTls: boolean;
  readonly agents: Agents;
}

export interface HttpResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly bodyTruncated: boolean;
  /** From sending the request to the last byte of the body. */
  readonly elapsedMs: number;
}

/** Thrown when the response is not complete within the request's timeout. */
export class HttpTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

/** Connection pools for one invocation, sized to the number of checks running at once. */
export interface Agents {
  readonly http: http.Agent;
  readonly https: https.Agent;
  destroy(): void;
}

export function createAgents(maxSockets: number): Agents {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  return {
    http: httpAgent,
    https: httpsAgent,
    destroy: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** Sends one request and reads the whole response, or rejects (timeout, abort, network error). */
export function sendRequest(request: HttpRequest): Promise<HttpResponse> {
  const { url } = request;
  const secure = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    ...request.headers,
    // Explicit so that it stays the URL's host when connecting to a private IP.
    host: url.host,
  };
  if (request.body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(request.body));
  }
  const options: https.RequestOptions = {
    protocol: url.protocol,
    host: request.connectTo ?? hostname,
    port: url.port || (secure ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    method: request.method,
    headers,
    signal: request.signal,
    agent: secure ? request.agents.https : request.agents.http,
  };
  if (secure) {
    // SNI takes a host name only, never an IP literal.
    if (isIP(hostname) === 0) {
      options.servername = hostname;
    }
    options.rejectUnauthorized = request.verifyTls;
  }

  return new Promise<HttpResponse>((resolve, reject) => {
    const started = performance.now();
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        fn();
      }
    };
    const req = (secure ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      res.on('data', (chunk: Buffer) => {
        if (size + chunk.length <= MAX_BODY_BYTES) {
          chunks.push(chunk);
        } else {
          truncated = true;
        }
        size += chunk.length;
      });
      res.on('end', () => settle(() => resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        bodyTruncated: truncated,
        elapsedMs: Math.round(performance.now() - started),
      })));
      res.on('error', (error) => settle(() => reject(error)));
      res.on('aborted', () => settle(() => reject(new Error('response aborted by the server'))));
    });
    const timer = setTimeout(() => {
      const error = new HttpTimeoutError(request.timeoutMs);
      settle(() => reject(error));
      req.destroy(error);
    }, request.timeoutMs);
    req.on('error', (error) => settle(() => reject(error)));
    req.end(request.body);
  });
}
