/**
 * A stand-in for S3 on 127.0.0.1: it keeps the objects PUT to it (path-style, as
 * `AWS_ENDPOINT_URL_S3` sends them), or answers every PUT with an error it is given.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface StoredObject {
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

export class FakeS3 {
  /** `<bucket>/<key>` → the latest PUT, and every PUT in order. */
  public readonly objects = new Map<string, StoredObject>();
  public readonly puts: string[] = [];
  /** Set to answer every PUT with this status and S3 error code. */
  public failWith?: { status: number; code: string };
  private server?: http.Server;

  public async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (this.failWith) {
          res.writeHead(this.failWith.status, { 'content-type': 'application/xml' });
          res.end(`<?xml version="1.0"?><Error><Code>${this.failWith.code}</Code><Message>refused by the test</Message></Error>`);
          return;
        }
        const path = decodeURIComponent((req.url ?? '').replace(/^\//, ''));
        this.objects.set(path, { body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        this.puts.push(path);
        res.writeHead(200, { 'etag': '"abc"', 'x-amz-version-id': `v${this.puts.length}` });
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
