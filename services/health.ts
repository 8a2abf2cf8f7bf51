import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Whether a service can do its work, and the state of each dependency in words (`kafka: "connected"`). */
export interface Readiness {
  ready: boolean;
  details: Record<string, string>;
}

/**
 * A service's own listener: `/metrics` (Prometheus exposition), `/healthz` (the process answers) and
 * `/readyz` (200 only while every dependency is there; 503 names what is missing).
 * Plain node:http: three fixed routes need no framework.
 */
export async function startHealthServer(host: string, port: number, registry: Pick<Registry, 'metrics' | 'contentType'>, readiness: () => Readiness): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'application/json', '{"error":"method not allowed"}\n');
    if (path === '/healthz') return reply(200, 'application/json', '{"status":"ok"}\n');
    if (path === '/readyz') {
      const { ready, details } = readiness();
      const body = { status: ready ? 'ready' : 'not ready', ...details };
      return reply(ready ? 200 : 503, 'application/json', `${JSON.stringify(body)}\n`);
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => reply(200, registry.contentType, text),
        (error: Error) => reply(500, 'text/plain', `${error.message}\n`),
      );
      return;
    }
    reply(404, 'application/json', '{"error":"not found; try /metrics, /healthz or /readyz"}\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
