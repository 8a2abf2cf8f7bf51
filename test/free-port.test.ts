import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { firstEphemeralPort, freePort } from '../bench/process.js';

describe('freePort (tests and benchmarks hand its port to a process they start)', () => {
  it("chooses a port below the kernel's ephemeral range, where no outgoing connection can take it first, and free", async () => {
    const first = firstEphemeralPort();
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(first);
    }
    const server = createServer().listen(ports[0], '127.0.0.1');
    await once(server, 'listening');
    server.close();
  });

  it('never gives a port twice in one process: asked eight times for a range of eight, it gives eight ports', async () => {
    // A port is free when given but taken only when its process listens: given twice, two processes share it.
    const ports: number[] = [];
    for (let i = 0; i < 8; i += 1) ports.push(await freePort(10_008));
    expect(new Set(ports).size).toBe(8);
  });

  it('lets the kernel choose where the ephemeral range leaves no room below it (a range starting at 1024)', async () => {
    const port = await freePort(1024);
    expect(port).toBeGreaterThan(0);
    const server = createServer().listen(port, '127.0.0.1');
    await once(server, 'listening');
    server.close();
  });
});
