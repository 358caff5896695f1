import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@slipway/harness';
import { startServiceUnderTest, type ServiceUnderTest } from '@slipway/service/testing/service-under-test';

/**
 * nginx/slipway.conf in front of the real service (on its unix socket, as a deploy runs it): /metrics is
 * refused in every spelling Express would route to it, while the app itself serves those spellings to
 * loopback — so the nginx rule, not the app's allowlist alone, is what keeps metrics private.
 */
describe('nginx keeps /metrics private in every spelling', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-nginx-metrics-'));
  let svc: ServiceUnderTest;
  let server: Server;
  let nginx: ChildProcess;
  let port: number;
  const spellings = [
    '/metrics',
    '/METRICS',
    '/Metrics',
    '/metrics/',
    '/METRICS/',
    '//metrics',
    '/%6detrics',
    '/metric%73/',
  ];

  beforeAll(async () => {
    chmodSync(dir, 0o755); // nginx's worker user must reach the socket
    mkdirSync(join(dir, 'sockets'));
    const socket = join(dir, 'sockets', 'active.sock');
    svc = await startServiceUnderTest({ LISTEN_SOCKET: socket });
    server = svc.app.listen(socket);
    await new Promise((resolve) => server.once('listening', resolve));
    chmodSync(socket, 0o666);
    port = await freePort();
    const site = readFileSync('nginx/slipway.conf', 'utf8')
      .replaceAll('@APP_DIR@', dir)
      .replaceAll('@LISTEN@', `127.0.0.1:${port}`)
      .replaceAll('@SERVER_NAME@', 'localhost')
      .replaceAll('@ENV_ID@', 'test');
    writeFileSync(join(dir, 'site.conf'), site);
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')};`,
        'events {}',
        `http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; include ${join(dir, 'site.conf')}; }`,
      ].join('\n'),
    );
    nginx = spawn(
      'nginx',
      ['-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/health/live`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`nginx did not come up: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
  }, 60_000);

  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    await new Promise((resolve) => server?.close(resolve));
    await svc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the app itself routes several spellings to its metrics (loopback is allowed)', async () => {
    const { request } = await import('node:http');
    const statusOf = (path: string) =>
      new Promise<number>((resolve, reject) => {
        request({ socketPath: join(dir, 'sockets', 'active.sock'), path }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await statusOf('/METRICS')).toBe(200);
    expect(await statusOf('/metrics/')).toBe(200);
  });

  it.each(spellings)('refuses %s at nginx', async (path) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    const body = await res.text();
    expect({ path, status: res.status }).toEqual({ path, status: expect.any(Number) });
    expect(body).not.toContain('http_request_duration_seconds');
    expect([403, 404]).toContain(res.status);
  });
});
