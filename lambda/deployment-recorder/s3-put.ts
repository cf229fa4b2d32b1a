/**
 * S3 PutObject over HTTPS, signed with Signature Version 4 from the function's credentials (the
 * Lambda environment's `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). The
 * library ships no S3 client package, and one signed PUT is all the recorder writes to S3.
 *
 * `AWS_ENDPOINT_URL_S3`, the SDKs' own override, sends the request elsewhere (path-style).
 */
import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface PutObjectRequest {
  readonly bucket: string;
  readonly key: string;
  readonly body: string;
  readonly contentType: string;
  readonly region: string;
}

/** An S3 error answer, shaped as the SDK's so that the shared retry policy tells 5xx and throttling apart. */
export class S3Error extends Error {
  public readonly $metadata: { readonly httpStatusCode: number };
  constructor(name: string, status: number, message: string) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

/** Puts the object; resolves with its ETag and version id, throws {@link S3Error} when S3 refuses. */
export async function putObject(request: PutObjectRequest, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env)
  : Promise<{ etag?: string; versionId?: string }> {
  const credentials = credentialsOf(env);
  const endpoint = env.AWS_ENDPOINT_URL_S3 ? new URL(env.AWS_ENDPOINT_URL_S3) : undefined;
  const host = endpoint ? endpoint.host : `${request.bucket}.s3.${request.region}.amazonaws.com`;
  const path = `${endpoint ? `${endpoint.pathname.replace(/\/$/, '')}/${request.bucket}` : ''}/${encodeKey(request.key)}`;
  const body = Buffer.from(request.body, 'utf8');
  const headers = signedHeaders({
    method: 'PUT', host, path, region: request.region, service: 's3', body, now: new Date(),
    headers: { 'content-type': request.contentType, 'content-length': String(body.length) },
  }, credentials);
  const transport = endpoint?.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request({
      method: 'PUT', host: endpoint ? endpoint.hostname : host, port: endpoint?.port || undefined, path, headers, signal,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve({ etag: header(res.headers.etag), versionId: header(res.headers['x-amz-version-id']) });
          return;
        }
        const xml = Buffer.concat(chunks).toString('utf8');
        const code = /<Code>([^<]+)<\/Code>/.exec(xml)?.[1] ?? (status >= 500 ? 'InternalError' : `Http${status}`);
        const message = /<Message>([^<]+)<\/Message>/.exec(xml)?.[1] ?? `S3 answered ${status}`;
        reject(new S3Error(code, status, `s3:PutObject ${request.bucket}/${request.key}: ${code}: ${message}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface SigningInput {
  readonly method: string;
  readonly host: string;
  /** The path, URI-encoded. */
  readonly path: string;
  readonly region: string;
  readonly service: string;
  readonly body: Buffer;
  readonly now: Date;
  readonly headers: Record<string, string>;
}

/** The request's headers with `x-amz-date`, `x-amz-content-sha256`, the session token and `authorization`. */
export function signedHeaders(input: SigningInput, credentials: Credentials): Record<string, string> {
  const amzDate = input.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256(input.body);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value])),
    'host': input.host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    input.method, input.path, '',
    ...names.map((name) => `${name}:${headers[name].trim().replace(/\s+/g, ' ')}`), '',
    names.join(';'), payloadHash,
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [input.region, input.service, 'aws4_request']) {
    key = hmac(key, part);
  }
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

/** An object key in a path: each segment URI-encoded as S3 expects (RFC 3986 unreserved characters kept). */
export function encodeKey(key: string): string {
  return key.split('/').map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

function credentialsOf(env: NodeJS.ProcessEnv): Credentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('s3:PutObject: the function has no credentials in its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
  }
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
