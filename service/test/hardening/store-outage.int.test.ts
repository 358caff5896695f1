import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reconcileCommand } from '../../src/cli/reconcile.js';
import { send, startOutageStack, unacceptable, type Answer, type OutageStack } from './outage-stack.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A store stopped under load: every answer is a success or 503 problem+json with Retry-After, readiness
 * says which store is down, the service recovers by itself when the store is back, every acknowledged
 * document is stored, and reconcile finds no drift.
 */
async function loadWhile(stack: OutageStack, collection: string, outage: () => Promise<void>) {
  const answers: Answer[] = [];
  const acknowledged: string[] = [];
  let running = true;
  let next = 0;
  const worker = async (w: number) => {
    while (running) {
      const id = `doc-${w}-${next++}`;
      const ingest = await send(stack, 'POST', `/v1/collections/${collection}/documents`, {
        id,
        text: `Document ${id} about rollbacks, health gates and the socket switch.`,
      });
      answers.push(ingest);
      if (ingest.status === 201) acknowledged.push(id);
      answers.push(await send(stack, 'POST', `/v1/collections/${collection}/search`, { query: 'rollback' }));
      answers.push(await send(stack, 'GET', '/v1/collections'));
    }
  };
  const workers = [0, 1, 2].map(worker);
  // The outage starts once some writes were acknowledged (a fixed delay saw none on a loaded machine).
  const deadline = Date.now() + 30_000;
  while (acknowledged.length < 3 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await outage();
  running = false;
  await Promise.all(workers);
  return { answers, acknowledged };
}

async function expectAllStored(stack: OutageStack, collection: string, ids: string[]) {
  for (const id of ids) {
    const res = await send(stack, 'GET', `/v1/collections/${collection}/documents/${id}`);
    expect({ id, status: res.status }).toEqual({ id, status: 200 });
  }
  // vectors of writes that did not commit are swept in the background once Chroma answers
  await stack.runtime.deps.documents.sweeper.settled();
  const lines: string[] = [];
  const out = { log: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
  const code = await reconcileCommand(['--json'], stack.env, out as unknown as Console);
  expect(lines.join('\n')).toMatch(/"drift":0/);
  expect(code).toBe(0);
}

const readiness = async (stack: OutageStack) => {
  const res = await fetch(`${stack.base}/health/ready`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, { ok: unknown }> } };
};

describe('Postgres stopped mid-load', () => {
  let stack: OutageStack;
  beforeAll(async () => {
    stack = await startOutageStack();
  }, 120_000);
  afterAll(async () => stack?.close());

  it('answers 503 with Retry-After, reports it, recovers by itself and loses nothing acknowledged', async () => {
    expect((await send(stack, 'POST', '/v1/collections', { name: 'pgdown' })).status).toBe(201);
    let duringOutage: Answer[] = [];
    let downReport: Awaited<ReturnType<typeof readiness>> | undefined;
    const { answers, acknowledged } = await loadWhile(stack, 'pgdown', async () => {
      await stack.stopPostgres();
      const mark = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      downReport = await readiness(stack);
      duringOutage = [await send(stack, 'GET', '/v1/collections')];
      await stack.startPostgres();
      expect(Date.now() - mark).toBeGreaterThan(1000);
    });
    const all = [...answers, ...duringOutage];
    expect(unacceptable(all)).toEqual([]);
    expect(all.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expect(downReport?.status).toBe(503);
    expect(downReport?.body.checks.postgres?.ok).toBe(false);
    expect(duringOutage[0]?.status).toBe(503);

    await waitFor(async () => (await readiness(stack)).status === 200, 20_000);
    expect((await send(stack, 'POST', '/v1/collections/pgdown/documents', { text: 'after' })).status).toBe(
      201,
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    await expectAllStored(stack, 'pgdown', acknowledged);
  }, 120_000);
});

describe('Chroma stopped mid-load', () => {
  let stack: OutageStack;
  beforeAll(async () => {
    stack = await startOutageStack();
  }, 120_000);
  afterAll(async () => stack?.close());

  it('answers 503 with Retry-After, reports it, recovers by itself and loses nothing acknowledged', async () => {
    expect((await send(stack, 'POST', '/v1/collections', { name: 'chromadown' })).status).toBe(201);
    let downReport: Awaited<ReturnType<typeof readiness>> | undefined;
    let duringOutage: Answer[] = [];
    const { answers, acknowledged } = await loadWhile(stack, 'chromadown', async () => {
      await stack.chroma.stop();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      downReport = await readiness(stack);
      duringOutage = [
        await send(stack, 'POST', '/v1/collections/chromadown/documents', { text: 'while chroma is down' }),
      ];
      await stack.chroma.restart();
    });
    const all = [...answers, ...duringOutage];
    expect(unacceptable(all)).toEqual([]);
    expect(downReport?.status).toBe(503);
    expect(downReport?.body.checks.chroma?.ok).toBe(false);
    expect(duringOutage[0]?.status).toBe(503);
    expect(duringOutage[0]?.retryAfter).toMatch(/^\d+$/);

    await waitFor(async () => (await readiness(stack)).status === 200, 20_000);
    expect(
      (await send(stack, 'POST', '/v1/collections/chromadown/documents', { text: 'after' })).status,
    ).toBe(201);
    await expectAllStored(stack, 'chromadown', acknowledged);
  }, 120_000);
});

describe('a Postgres pool exhausted by concurrent SSE answers', () => {
  let stack: OutageStack;
  beforeAll(async () => {
    stack = await startOutageStack({ DATABASE_POOL_MAX: '2' });
  }, 120_000);
  afterAll(async () => stack?.close());

  it('answers 503 with Retry-After while it is exhausted and streams again once it is not', async () => {
    expect((await send(stack, 'POST', '/v1/collections', { name: 'sse' })).status).toBe(201);
    await send(stack, 'POST', '/v1/collections/sse/documents', { text: 'Roll back with the socket switch.' });
    const stream = () =>
      send(
        stack,
        'POST',
        '/v1/collections/sse/answer',
        { question: 'How do I roll back?' },
        {
          accept: 'text/event-stream',
        },
      );
    // every connection of the pool is busy (as when long streams and their audits hold them)
    const held = await Promise.all([stack.runtime.deps.db.connect(), stack.runtime.deps.db.connect()]);
    const exhausted = Promise.all(Array.from({ length: 40 }, stream));
    await new Promise((resolve) => setTimeout(resolve, 6000)); // past the pool's 5 s connection timeout
    for (const client of held) client.release();
    const answers = await exhausted;
    expect(unacceptable(answers)).toEqual([]);
    expect(answers.filter((a) => a.status === 503).length).toBeGreaterThan(0);

    const after = await Promise.all(Array.from({ length: 20 }, stream));
    expect(after.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(
      after.every((a) => a.contentType.startsWith('text/event-stream') && /event: citations/.test(a.body)),
    ).toBe(true);
  }, 120_000);
});
