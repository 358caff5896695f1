// The stores live outside the swarm, as in production (managed services, or a data host). Here they are
// the harness's Postgres, Redis and Chroma on 127.0.0.1, which a task cannot reach; a relay forwards one
// port on this machine's own address (reachable from the tasks through their gateway) to each of them,
// byte for byte. It only accepts connections from private addresses (the containers' networks).
import net from 'node:net';
import os from 'node:os';

export interface StoreRelay {
  /** host:port the tasks use. */
  address: string;
  close(): Promise<void>;
}

/** This machine's first non-loopback IPv4 address: the tasks reach the host there. */
export function hostAddress(): string {
  for (const [name, addresses] of Object.entries(os.networkInterfaces())) {
    if (/^(docker|br-|veth)/.test(name)) continue; // Docker's own bridges
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) {
        return address.address;
      }
    }
  }
  throw new Error('no non-loopback IPv4 address: the swarm tasks could not reach the stores');
}

const privateSource = /^(::ffff:)?(10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.|127\.)/;

export async function startStoreRelay(target: { host: string; port: number }): Promise<StoreRelay> {
  const listenHost = hostAddress();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!privateSource.test(client.remoteAddress ?? '')) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `${listenHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
