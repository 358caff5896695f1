import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@slipway/harness';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { runCommand } from './run-command.js';

// nginx/tls/* with a certificate from scripts/selfsigned-cert: `nginx -t`, then a real nginx
// serving HTTPS (TLS 1.2+ only, HSTS) and the port-80 ACME webroot + redirect.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const nginxBin = '/usr/sbin/nginx';

let work: string;
let tlsDir: string;
let certDir: string;
let httpsPort: number;
let httpPort: number;
let nginx: ChildProcess | undefined;

function nginxConfig(): string {
  // The snippets name their in-host paths; this copy points them into the temp prefix.
  return `
worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${work}/client_body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  include ${tlsDir}/http-server.conf;
  server {
    listen 127.0.0.1:${httpsPort} ssl;
    server_name slipway.test;
    ssl_certificate ${certDir}/fullchain.pem;
    ssl_certificate_key ${certDir}/privkey.pem;
    include ${tlsDir}/ssl-params.conf;
    include ${tlsDir}/hsts.conf;
    location / { return 200 "tls ok\\n"; }
  }
}
`;
}

async function installSnippets(): Promise<void> {
  await cp(path.join(root, 'nginx/tls'), tlsDir, { recursive: true });
  for (const name of await readdir(tlsDir)) {
    const file = path.join(tlsDir, name);
    const text = (await readFile(file, 'utf8'))
      .replaceAll('/etc/nginx/slipway-tls', tlsDir)
      .replaceAll('/var/www/certbot', path.join(work, 'certbot'))
      .replace(/listen 80 default_server;/, `listen 127.0.0.1:${httpPort} default_server;`)
      .replace(/\s*listen \[::\]:80 default_server;/, '');
    await writeFile(file, text);
  }
}

function get(
  url: string,
  options: {
    ca?: string;
    ciphers?: string;
    maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
    minVersion?: 'TLSv1' | 'TLSv1.1';
  } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        ca: options.ca,
        ciphers: options.ciphers,
        servername: 'slipway.test',
        maxVersion: options.maxVersion,
        minVersion: options.minVersion,
      },
      (res) => {
        const protocol = (res.socket as TLSSocket | null)?.getProtocol?.() ?? undefined;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            protocol,
          }),
        );
      },
    );
    req.on('error', reject);
    req.setHeader('host', 'slipway.test');
    req.end();
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'slipway-ops-tls-'));
  await chmod(work, 0o755); // nginx workers run as nobody and read the webroot
  tlsDir = path.join(work, 'slipway-tls');
  certDir = path.join(work, 'cert');
  [httpsPort, httpPort] = await Promise.all([freePort(), freePort()]);
  await installSnippets();
  await mkdir(path.join(work, 'certbot/.well-known/acme-challenge'), { recursive: true });
  await writeFile(path.join(work, 'certbot/.well-known/acme-challenge/token123'), 'token123.thumbprint');
  await writeFile(path.join(work, 'nginx.conf'), nginxConfig());
});

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx?.once('exit', resolve));
    nginx.kill('SIGTERM');
    await exited;
  }
  await rm(work, { recursive: true, force: true });
});

describe('nginx/tls with a self-signed certificate', () => {
  it('scripts/selfsigned-cert writes fullchain.pem + privkey.pem and refuses to overwrite', async () => {
    const script = path.join(root, 'scripts/selfsigned-cert');
    const first = await runCommand([script, '--domain', 'slipway.test', '--out', certDir, '--days', '2']);
    expect(first.code).toBe(0);
    const again = await runCommand([script, '--domain', 'slipway.test', '--out', certDir]);
    expect(again.code).toBe(1);
    const text = await runCommand([
      'openssl',
      'x509',
      '-in',
      path.join(certDir, 'fullchain.pem'),
      '-noout',
      '-ext',
      'subjectAltName',
    ]);
    expect(text.stdout).toContain('DNS:slipway.test');
    const lint = await runCommand(['shellcheck', script]);
    expect(lint.stdout + lint.stderr).toBe('');
  });

  it('passes nginx -t', async () => {
    const result = await runCommand([
      nginxBin,
      '-t',
      '-p',
      work,
      '-c',
      path.join(work, 'nginx.conf'),
      '-e',
      path.join(work, 'error.log'),
    ]);
    expect(result.stderr).toContain('syntax is ok');
    expect(result.stderr).toContain('test is successful');
    expect(result.code).toBe(0);
  });

  it('serves HTTPS with HSTS on TLS 1.2+, refuses TLS 1.1, and port 80 serves ACME and redirects', async () => {
    nginx = spawn(
      nginxBin,
      [
        '-p',
        work,
        '-c',
        path.join(work, 'nginx.conf'),
        '-e',
        path.join(work, 'error.log'),
        '-g',
        'daemon off;',
      ],
      { stdio: 'ignore' },
    );
    const ca = await readFile(path.join(certDir, 'fullchain.pem'), 'utf8');
    let response: Awaited<ReturnType<typeof get>> | undefined;
    for (let attempt = 0; attempt < 50 && !response; attempt += 1) {
      response = await get(`https://127.0.0.1:${httpsPort}/`, { ca }).catch(async () => {
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    expect(response?.status).toBe(200);
    expect(response?.body).toBe('tls ok\n');
    expect(response?.protocol).toBe('TLSv1.3');
    expect(response?.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');

    const tls12 = await get(`https://127.0.0.1:${httpsPort}/`, { ca, maxVersion: 'TLSv1.2' });
    expect(tls12.protocol).toBe('TLSv1.2');

    // The client is allowed TLS 1.1 (Node's minimum and OpenSSL's security level lowered), so the
    // refusal is nginx's ssl_protocols answering with a protocol_version alert.
    await expect(
      get(`https://127.0.0.1:${httpsPort}/`, {
        ca,
        ciphers: 'DEFAULT@SECLEVEL=0',
        maxVersion: 'TLSv1.1',
        minVersion: 'TLSv1',
      }),
    ).rejects.toThrow(/alert protocol version/);

    const acme = await get(`http://127.0.0.1:${httpPort}/.well-known/acme-challenge/token123`);
    expect(acme.status).toBe(200);
    expect(acme.body).toBe('token123.thumbprint');
    const redirect = await get(`http://127.0.0.1:${httpPort}/v1/collections?x=1`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://slipway.test/v1/collections?x=1');
  });
});
