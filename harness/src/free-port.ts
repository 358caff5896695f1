import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port the OS picked'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * Launches a server on `fixedPort`, or on a free port; when another process takes that port between
 * freePort() and bind (the launch error says "in use"), tries another free port, up to three times.
 */
export async function launchOnFreePort<T>(
  fixedPort: number | undefined,
  launch: (port: number) => Promise<T>,
): Promise<{ port: number; launched: T }> {
  let port = fixedPort ?? (await freePort());
  for (let attempt = 1; ; attempt++) {
    try {
      return { port, launched: await launch(port) };
    } catch (error) {
      if (fixedPort !== undefined || attempt >= 3 || !/in use|AddrInUse/i.test(String(error))) throw error;
      port = await freePort();
    }
  }
}
