import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';

/** Starts listening and returns the bound port (the one the system chose when `port` is 0). */
export function listen(server: Server | NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(address !== null && typeof address === 'object' ? address.port : port);
    });
  });
}
