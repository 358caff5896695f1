/**
 * A real HTTP server (port 0) that speaks the OpenAI protocol for tests: `/v1/embeddings`
 * (deterministic vectors) and `/v1/chat/completions` (JSON or SSE stream). Tests script failures
 * per route — status codes, delays, hangs, resets, truncated or stalled streams — and read back every
 * request it received (headers and parsed body).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeRoute = 'embeddings' | 'chat';

export type FakeBehaviour =
  /** Answer with this status (and an OpenAI-style error body unless `body` is given). */
  | { kind: 'fail'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Wait before answering normally. */
  | { kind: 'delay'; ms: number }
  /** Never answer (the connection is closed when the server closes). */
  | { kind: 'hang' }
  /** Destroy the socket without answering. */
  | { kind: 'reset' }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /**
   * Stream only: send the first `afterChunks` content chunks, then end the response early (no finish
   * reason, no `[DONE]`), as a proxy or a crashing server does. A clean end rather than a socket reset,
   * so the client always reads what was sent (a reset can drop data the client had not read yet).
   */
  | { kind: 'truncate'; afterChunks: number }
  /** Stream only: send the first `afterChunks` content chunks, then go silent with the connection open. */
  | { kind: 'stall'; afterChunks: number }
  /** Stream only: send headers at once, then wait before the first content chunk. */
  | { kind: 'slowFirstToken'; ms: number };

export interface CapturedRequest {
  route: FakeRoute | 'other';
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface ChatRequestBody {
  model?: string;
  messages?: { role: string; content: string }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

export interface FakeOpenAIServerOptions {
  /** Vector length of /v1/embeddings when the request has no `dimensions`. Default 8. */
  dimensions?: number;
  /** The assistant's reply for a chat request. Default: a one-sentence answer citing [1]. */
  reply?: (body: ChatRequestBody) => string;
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401 that echoes the key sent. */
  apiKey?: string;
  /** Answer 400 to a stream request carrying `stream_options` (older servers do). */
  rejectStreamOptions?: boolean;
  /** Pause between stream chunks. Default 0. */
  chunkDelayMs?: number;
}

export interface FakeOpenAIServer {
  /** `http://127.0.0.1:<port>` — pass as baseUrl. */
  readonly url: string;
  readonly requests: CapturedRequest[];
  /** Applies `behaviour` to the next `times` requests on `route` (queued after earlier scripts). */
  script(route: FakeRoute, behaviour: FakeBehaviour, times?: number): void;
  /** Drops what is still scripted for `route`: its next requests are answered normally. */
  unscript(route: FakeRoute): void;
  /** Requests received on `route` (all routes when omitted). */
  count(route?: FakeRoute): number;
  /** Replace the reply function. */
  setReply(reply: (body: ChatRequestBody) => string): void;
  close(): Promise<void>;
}

export const defaultReply = (): string => 'The passages answer it: the sky is blue [1].';

/** Deterministic unit vector for `text` (same text → same vector, across runs). */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const values: number[] = [];
  let block = 0;
  while (values.length < dimensions) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) {
      values.push(digest.readInt16BE(i) / 32768);
    }
    block++;
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((v) => v / norm);
}

export async function startFakeOpenAIServer(
  options: FakeOpenAIServerOptions = {},
): Promise<FakeOpenAIServer> {
  const requests: CapturedRequest[] = [];
  const scripts: Record<FakeRoute, FakeBehaviour[]> = { embeddings: [], chat: [] };
  let reply = options.reply ?? defaultReply;
  const pendingTimers = new Set<NodeJS.Timeout>();

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        resolve();
      }, ms);
      pendingTimers.add(timer);
    });

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route: FakeRoute | 'other' =
      path === '/v1/embeddings' ? 'embeddings' : path === '/v1/chat/completions' ? 'chat' : 'other';
    let body: unknown = raw;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      // keep the raw text
    }
    requests.push({ route, method: req.method ?? '', path, headers: req.headers, body, at: Date.now() });

    if (route === 'other' || req.method !== 'POST') {
      sendJson(res, 404, {
        error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' },
      });
      return;
    }
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      const sent = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      sendJson(res, 401, {
        error: { message: `Incorrect API key provided: ${sent}`, type: 'invalid_request_error' },
      });
      return;
    }

    const behaviour = scripts[route].shift();
    switch (behaviour?.kind) {
      case 'fail':
        res.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
        res.end(
          JSON.stringify(
            behaviour.body ?? {
              error: { message: `scripted failure ${behaviour.status}`, type: 'server_error' },
            },
          ),
        );
        return;
      case 'hang':
        return; // never answer; closeAllConnections() ends it
      case 'reset':
        req.socket.destroy();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data": [ this is not json');
        return;
      case 'delay':
        await wait(behaviour.ms);
        break;
      default:
        break;
    }
    if (res.destroyed) return;

    if (route === 'embeddings') {
      answerEmbeddings(res, body as { input?: unknown; dimensions?: number; model?: string });
      return;
    }
    await answerChat(res, (body ?? {}) as ChatRequestBody, behaviour);
  }

  function answerEmbeddings(
    res: ServerResponse,
    body: { input?: unknown; dimensions?: number; model?: string },
  ) {
    const input = typeof body?.input === 'string' ? [body.input] : body?.input;
    if (!Array.isArray(input) || input.some((x) => typeof x !== 'string' || x === '')) {
      sendJson(res, 400, { error: { message: "'$.input' is invalid", type: 'invalid_request_error' } });
      return;
    }
    const dims = body.dimensions ?? options.dimensions ?? 8;
    const texts = input as string[];
    sendJson(res, 200, {
      object: 'list',
      model: body.model,
      // reversed on purpose: clients must order by `index`, not by position
      data: texts
        .map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text, dims) }))
        .reverse(),
      usage: { prompt_tokens: tokens(texts.join(' ')), total_tokens: tokens(texts.join(' ')) },
    });
  }

  async function answerChat(
    res: ServerResponse,
    body: ChatRequestBody,
    behaviour: FakeBehaviour | undefined,
  ): Promise<void> {
    const content = reply(body);
    const promptTokens = tokens((body.messages ?? []).map((m) => m.content).join(' '));
    const completionTokens = tokens(content);
    const model = body.model ?? 'fake-model';
    if (!body.stream) {
      sendJson(res, 200, {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
        },
      });
      return;
    }
    if (options.rejectStreamOptions && body.stream_options !== undefined) {
      sendJson(res, 400, { error: { message: 'Unrecognized request argument supplied: stream_options' } });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }, null));
    if (behaviour?.kind === 'slowFirstToken') await wait(behaviour.ms);
    const pieces = content.match(/\S+\s*|\s+/g) ?? [];
    for (let i = 0; i < pieces.length; i++) {
      if (res.destroyed) return;
      if (behaviour?.kind === 'truncate' && i === behaviour.afterChunks) {
        res.end();
        return;
      }
      if (behaviour?.kind === 'stall' && i === behaviour.afterChunks) return;
      send(chunk({ content: pieces[i] }, null));
      if (options.chunkDelayMs) await wait(options.chunkDelayMs);
    }
    send(chunk({}, 'stop'));
    if (body.stream_options?.include_usage) {
      send({
        id: 'chatcmpl-fake',
        object: 'chat.completion.chunk',
        model,
        choices: [],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
        },
      });
    }
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(route, behaviour, times = 1) {
      for (let i = 0; i < times; i++) scripts[route].push(behaviour);
    },
    unscript(route) {
      scripts[route].length = 0;
    },
    count(route) {
      return route === undefined ? requests.length : requests.filter((r) => r.route === route).length;
    },
    setReply(next) {
      reply = next;
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
