import { createServer, request, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';

/**
 * A reverse proxy that serves `target` under `prefix` (`/sluice` → `/`), as an ingress or nginx's
 * `location /sluice/ { proxy_pass http://sluice:8080/; }` does: requests outside the prefix get 404, the prefix is
 * stripped, and WebSocket upgrades are passed through as bytes.
 */
export async function startPrefixProxy(target: string, prefix: string): Promise<{ url: string; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  const strip = (message: IncomingMessage): string | undefined => (message.url?.startsWith(`${prefix}/`) ? message.url.slice(prefix.length) : undefined);
  const server = createServer((incoming, outgoing) => {
    const path = strip(incoming);
    if (path === undefined) return void outgoing.writeHead(404).end();
    const upstream = request({ hostname, port, path, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  // Upgraded sockets leave the server's keeping: closed with it by hand.
  const tunnels = new Set<{ destroy: () => void }>();
  server.on('upgrade', (incoming, socket, head) => {
    const path = strip(incoming);
    if (path === undefined) return void socket.destroy();
    tunnels.add(socket);
    const upstream = connect(Number(port), hostname, () => {
      const lines = [`${incoming.method ?? 'GET'} ${path} HTTP/1.1`, ...Object.entries(incoming.headers).map(([name, value]) => `${name}: ${String(value)}`)];
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    tunnels.add(upstream);
    // Either end gone, the other goes too (a pipe only unpipes).
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const tunnel of tunnels) tunnel.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
