import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { chromaClientFor, chromaHeartbeat, provideChroma, startChromaServer } from '../src/index.js';
import { pgrep, processAlive } from './process-check.js';

describe('provideChroma', () => {
  it('gives a live Chroma with a unique prefix; vectors in, nearest out; stop() deletes its collections', async () => {
    const [a, b] = await Promise.all([provideChroma(), provideChroma()]);
    expect(a.collectionPrefix).toMatch(/^slipway_t_[0-9a-f]{10}_$/);
    expect(a.collectionPrefix).not.toBe(b.collectionPrefix);
    try {
      expect(await chromaHeartbeat(a.url)).toBe(true);
      const client = chromaClientFor(a.url);
      const collection = await client.createCollection({
        name: `${a.collectionPrefix}docs`,
        embeddingFunction: null,
        configuration: { hnsw: { space: 'cosine' } },
      });
      await collection.add({
        ids: ['x', 'y'],
        embeddings: [
          [1, 0, 0],
          [0, 1, 0],
        ],
        documents: ['about x', 'about y'],
      });
      const result = await collection.query({ queryEmbeddings: [[0.9, 0.1, 0]], nResults: 1 });
      expect(result.ids).toEqual([['x']]);
      await chromaClientFor(b.url).createCollection({
        name: `${b.collectionPrefix}docs`,
        embeddingFunction: null,
      });

      await a.stop();
      const names = (await chromaClientFor(b.url).listCollections()).map((c) => c.name);
      expect(names).not.toContain(`${a.collectionPrefix}docs`);
      expect(names).toContain(`${b.collectionPrefix}docs`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('startChromaServer', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('runs the npm-bundled server on its data dir; restart() keeps port and data; stop() ends it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slipway-chroma-int-'));
    dirs.push(dataDir);
    const started = Date.now();
    const server = await startChromaServer({ dataDir });
    const startMs = Date.now() - started;
    const firstPid = server.pid;
    try {
      expect(startMs).toBeLessThan(15_000);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect(pgrep(`--path ${dataDir}`)).toEqual([firstPid]);
      await chromaClientFor(server.url).createCollection({ name: 'kept', embeddingFunction: null });

      await server.restart();
      expect(server.pid).not.toBe(firstPid);
      expect(processAlive(firstPid)).toBe(false);
      expect(await chromaHeartbeat(server.url)).toBe(true);
      const names = (await chromaClientFor(server.url).listCollections()).map((c) => c.name);
      expect(names).toEqual(['kept']);
    } finally {
      await server.stop();
    }
    expect(processAlive(server.pid)).toBe(false);
    expect(pgrep(`--path ${dataDir}`)).toEqual([]);
    expect(existsSync(dataDir)).toBe(true); // the caller's data dir is the caller's
  });
});
