/** A PagerDuty-like endpoint on 127.0.0.1 that answers each request as the test says, and records what it received. */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface Endpoint {
  readonly url: string;
  readonly received: Record<string, unknown>[];
  /** How the next requests are answered, in order; the last one repeats. */
  answer(...responses: Array<{ status: number; body?: string; delayMs?: number }>): void;
  close(): Promise<void>;
}

export async function startEndpoint(): Promise<Endpoint> {
  const received: Record<string, unknown>[] = [];
  let responses: Array<{ status: number; body?: string; delayMs?: number }> = [{ status: 202, body: '{"status":"success","message":"Event processed"}' }];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      const response = responses.length > 1 ? responses.shift()! : responses[0];
      const reply = () => {
        res.writeHead(response.status, { 'content-type': 'application/json' });
        res.end(response.body ?? '{}');
      };
      if (response.delayMs) {
        setTimeout(reply, response.delayMs).unref();
      } else {
        reply();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    received,
    answer: (...next) => {
      responses = next;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
