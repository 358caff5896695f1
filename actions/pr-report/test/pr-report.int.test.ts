// Runs the committed bundle (copied away from the repo) as the GitHub runner does, with GitHub's REST API
// answered by a local node:http server that keeps issue comments in memory.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runActionLikeRunner } from '../../../scripts/run-action-like-runner.js';

const actionDir = fileURLToPath(new URL('..', import.meta.url));

interface StoredComment {
  id: number;
  body: string;
  user: { login: string };
}

/** The part of GitHub's REST API the action uses: list, create and update issue comments. */
class FakeGitHub {
  comments: StoredComment[] = [];
  requests: string[] = [];
  forbidWrites = false;
  nextId = 1000;
  private server = http.createServer((request, response) => this.handle(request, response));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private send(response: http.ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  }

  private view(comment: StoredComment) {
    return { ...comment, html_url: `https://github.example/octo/slipway/pull/7#issuecomment-${comment.id}` };
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      this.requests.push(`${request.method} ${url.pathname}`);
      if (request.headers.authorization !== 'token test-token') {
        this.send(response, 401, { message: 'Bad credentials' });
        return;
      }
      const list = /^\/repos\/octo\/slipway\/issues\/7\/comments$/.exec(url.pathname);
      const update = /^\/repos\/octo\/slipway\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (list && request.method === 'GET') {
        this.send(
          response,
          200,
          this.comments.map((comment) => this.view(comment)),
        );
      } else if ((list && request.method === 'POST') || (update && request.method === 'PATCH')) {
        if (this.forbidWrites) {
          this.send(response, 403, { message: 'Resource not accessible by integration' });
          return;
        }
        const { body } = JSON.parse(raw) as { body: string };
        if (list) {
          const comment = { id: this.nextId++, body, user: { login: 'github-actions[bot]' } };
          this.comments.push(comment);
          this.send(response, 201, this.view(comment));
        } else {
          const comment = this.comments.find((candidate) => candidate.id === Number(update?.[1]));
          if (!comment) return this.send(response, 404, { message: 'Not Found' });
          comment.body = body;
          this.send(response, 200, this.view(comment));
        }
      } else {
        this.send(response, 404, { message: 'Not Found' });
      }
    });
  }
}

const github = new FakeGitHub();
let apiUrl: string;
let scratch: string;
let entry: string;

function writeJson(file: string, value: unknown): string {
  const absolute = path.join(scratch, 'workspace', file);
  mkdirSync(path.dirname(absolute), { recursive: true });
  writeFileSync(absolute, JSON.stringify(value));
  return absolute;
}

const pullRequestEvent = {
  action: 'synchronize',
  number: 7,
  pull_request: {
    number: 7,
    head: { sha: 'feedfacecafebeef', repo: { full_name: 'contributor/slipway' } },
    base: { repo: { full_name: 'octo/slipway' } },
  },
};

function runReport(eventFile: string, inputs: Record<string, string> = {}) {
  return runActionLikeRunner({
    entry,
    cwd: path.join(scratch, 'workspace'),
    inputs: { 'github-token': 'test-token', results: 'results/**/*.json', ...inputs },
    env: {
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REPOSITORY: 'octo/slipway',
      GITHUB_API_URL: apiUrl,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_RUN_ID: '42',
      GITHUB_SHA: '0000000000000000',
    },
  });
}

beforeAll(async () => {
  apiUrl = await github.start();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'slipway-pr-report-'));
  cpSync(path.join(actionDir, 'dist'), path.join(scratch, 'action', 'dist'), { recursive: true });
  entry = path.join(scratch, 'action', 'dist', 'index.js');
  writeJson('results/jest.json', {
    kind: 'jest',
    title: 'Unit tests',
    status: 'pass',
    summary: '412 passed',
  });
  writeJson('results/scan/scan.json', {
    kind: 'scan',
    title: 'Image scan',
    status: 'fail',
    summary: '1 blocking (CRITICAL 1)',
    details: '| CVE | pkg |\n|---|---|\n| CVE-2024-0001 | openssl |',
  });
});

beforeEach(() => {
  github.requests = [];
  github.forbidWrites = false;
});

afterAll(async () => {
  await github.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('pr-report dist/index.js under the runner protocol', () => {
  it('creates the sticky comment on the first run and updates the same comment on the second', async () => {
    github.comments.push({ id: 1, body: 'LGTM', user: { login: 'reviewer' } });
    const eventFile = writeJson('event-pr.json', pullRequestEvent);

    const first = await runReport(eventFile);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({ mode: 'created', 'comment-id': '1000', status: 'fail' });
    expect(first.outputs['comment-url']).toBe('https://github.example/octo/slipway/pull/7#issuecomment-1000');
    expect(github.requests).toEqual([
      'GET /repos/octo/slipway/issues/7/comments',
      'POST /repos/octo/slipway/issues/7/comments',
    ]);
    const created = github.comments.find((comment) => comment.id === 1000)?.body ?? '';
    expect(created.startsWith('<!-- slipway-pr-report -->')).toBe(true);
    expect(created).toContain('| ❌ | Image scan <sub>scan</sub> | 1 blocking (CRITICAL 1) |');
    expect(created).toContain(
      'Updated for commit feedfac · [workflow run](https://github.example/octo/slipway/actions/runs/42)',
    );

    writeJson('results/scan/scan.json', {
      kind: 'scan',
      title: 'Image scan',
      status: 'pass',
      summary: '0 blocking',
    });
    github.requests = [];
    const second = await runReport(eventFile, { title: 'Checks for #7' });
    expect(second.exitCode).toBe(0);
    expect(second.outputs).toMatchObject({ mode: 'updated', 'comment-id': '1000', status: 'pass' });
    expect(github.requests).toEqual([
      'GET /repos/octo/slipway/issues/7/comments',
      'PATCH /repos/octo/slipway/issues/comments/1000',
    ]);
    expect(github.comments).toHaveLength(2);
    expect(github.comments[0]?.body).toBe('LGTM');
    expect(github.comments[1]?.body).toContain('## ✅ Checks for #7');
    expect(second.summary).toContain('## ✅ Checks for #7');
  });

  it('writes the job summary instead, and succeeds, when the token may not comment (403, fork PR)', async () => {
    github.forbidWrites = true;
    const before = JSON.stringify(github.comments);
    writeJson('results/scan/scan.json', {
      kind: 'scan',
      title: 'Image scan',
      status: 'fail',
      summary: '2 blocking',
    });
    const result = await runReport(writeJson('event-fork.json', { ...pullRequestEvent, number: 7 }));
    expect(result.exitCode).toBe(0);
    expect(result.outputs.mode).toBe('summary');
    expect(result.outputs['comment-id']).toBeUndefined();
    expect(result.stdout).toContain('::warning::the token may not comment on this pull request');
    expect(result.summary).toContain('## ❌ Slipway PR report');
    expect(result.summary).toContain('| ❌ | Image scan <sub>scan</sub> | 2 blocking |');
    expect(result.summary).not.toContain('<!-- slipway-pr-report -->');
    expect(JSON.stringify(github.comments)).toBe(before);
  });

  it('writes only the job summary outside pull requests, without calling the API', async () => {
    const result = await runReport(writeJson('event-push.json', { ref: 'refs/heads/main', after: 'abc' }));
    expect(result.exitCode).toBe(0);
    expect(result.outputs.mode).toBe('summary');
    expect(github.requests).toEqual([]);
    expect(result.summary).toContain('Slipway PR report');
  });

  it('lists invalid result files in the report and fails the status, not the step', async () => {
    writeJson('results/broken.json', { kind: 'jest', status: 'green' });
    const result = await runReport(writeJson('event-push2.json', {}));
    rmSync(path.join(scratch, 'workspace', 'results', 'broken.json'));
    expect(result.exitCode).toBe(0);
    expect(result.outputs.status).toBe('fail');
    expect(result.stdout).toContain(
      '::warning file=results/broken.json::invalid result file results/broken.json',
    );
    expect(result.summary).toContain('Invalid result files');
  });

  it('fails on other API errors (e.g. a bad token)', async () => {
    const result = await runReport(writeJson('event-pr2.json', pullRequestEvent), {
      'github-token': 'wrong',
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('::error::Bad credentials');
  });
});
