// Answers the two GitHub REST calls the deploy action makes (create deployment, create deployment
// status) and records them, so the test can assert what GitHub would have been told.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

export interface FakeGithubApi {
  url: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

export async function startFakeGithubApi(): Promise<FakeGithubApi> {
  const calls: RecordedCall[] = [];
  let nextId = 1000;
  const server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const path = request.url ?? '';
      calls.push({ method: request.method ?? '', path, body });
      const reply = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (
        request.headers.authorization !== 'token e2e-github-token' &&
        request.headers.authorization !== 'Bearer e2e-github-token'
      ) {
        return reply(401, { message: 'Bad credentials' });
      }
      if (request.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/deployments$/.test(path)) {
        return reply(201, { id: nextId++, environment: body.environment, ref: body.ref });
      }
      const status = /^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/.exec(path);
      if (request.method === 'POST' && status) return reply(201, { id: nextId++, state: body.state });
      return reply(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
