// The example's application: a dependency-free HTTP server that answers every path the example's
// load balancer and smoke checks use. It reports the release it runs (RELEASE_VERSION, set by the
// release pipeline to the image tag) and can be told to fail, to watch a release roll back.
//
//   GET /                 200 text, the load balancer's health check
//   GET /health           200 {"status":"ok"}; 503 {"status":"failing"} with FAIL_HEALTH=true
//   GET /version          200 {"version":"<RELEASE_VERSION>"}
//   GET /orders?limit=n   200 {"orders":[…]} (n from 1 to 100, default 10)
//
// FAIL_HEALTH=true fails /health and / (503), so the target group, the smoke checks and the
// unhealthy-targets alarm all see it; FAIL_RATE=0.5 answers half the /orders requests with 500,
// which the 5xx-rate rollback alarm sees.
import { createServer } from 'node:http';
import { setTimeout } from 'node:timers';
import { URL } from 'node:url';

const port = Number(process.env.PORT ?? 8080);
const version = process.env.RELEASE_VERSION ?? 'unknown';
const failHealth = process.env.FAIL_HEALTH === 'true';
const failRate = Math.min(Math.max(Number(process.env.FAIL_RATE ?? 0) || 0, 0), 1);

function send(res, status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'x-app-version': version,
  });
  res.end(text);
  return status;
}

function answer(req, res) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, { error: 'method not allowed' });
  }
  switch (url.pathname) {
    case '/':
      return failHealth ? send(res, 503, 'failing\n') : send(res, 200, `orders-api ${version}\n`);
    case '/health':
      return failHealth ? send(res, 503, { status: 'failing' }) : send(res, 200, { status: 'ok' });
    case '/version':
      return send(res, 200, { version });
    case '/orders': {
      if (Math.random() < failRate) {
        return send(res, 500, { error: 'injected failure (FAIL_RATE)' });
      }
      const limit = Number(url.searchParams.get('limit') ?? 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        return send(res, 400, { error: 'limit must be an integer from 1 to 100' });
      }
      const orders = Array.from({ length: limit }, (_, i) => ({ id: `order-${i + 1}`, status: 'open' }));
      return send(res, 200, { orders });
    }
    default:
      return send(res, 404, { error: 'not found' });
  }
}

const server = createServer((req, res) => {
  const started = Date.now();
  const status = answer(req, res);
  console.log(JSON.stringify({ method: req.method, path: req.url, status, ms: Date.now() - started, version }));
});

server.listen(port, () => {
  const address = server.address();
  console.log(JSON.stringify({ message: 'listening', port: typeof address === 'object' && address ? address.port : port, version }));
});

// ECS stops a task with SIGTERM after the load balancer drained it: finish what is open, then exit.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 10_000).unref();
});
