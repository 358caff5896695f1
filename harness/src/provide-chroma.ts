import { ChromaClient } from 'chromadb';
import { startChromaServer } from './chroma-server.js';
import { startInOwnedTempDir } from './owned-temp-dir.js';
import { resolveProviderMode, type ProviderMode } from './select-provider-mode.js';
import { SharedServer } from './shared-server.js';
import { startChromaContainer } from './testcontainers-servers.js';
import { uniqueTestName } from './unique-name.js';

export interface ProvidedChroma {
  url: string;
  /** `slipway_t_<random>_` — every collection the test creates must start with it. */
  collectionPrefix: string;
  mode: ProviderMode;
  /** Deletes the collections under collectionPrefix and stops any server this call made the harness start. */
  stop(): Promise<void>;
}

/** A ChromaClient for a server URL (`http://host:port`). */
export function chromaClientFor(url: string): ChromaClient {
  const parsed = new URL(url);
  const ssl = parsed.protocol === 'https:';
  return new ChromaClient({
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(parsed.port || (ssl ? 443 : 80)),
    ssl,
  });
}

const startedServer = new SharedServer(async () => {
  return startInOwnedTempDir('chroma', (dataDir) => startChromaServer({ dataDir }));
});
const containerServer = new SharedServer(startChromaContainer);

async function acquireServer(mode: ProviderMode): Promise<{ url: string; release(): Promise<void> }> {
  switch (mode) {
    case 'external':
      return {
        url: (process.env.TEST_CHROMA_URL as string).replace(/\/+$/, ''),
        release: async () => undefined,
      };
    case 'testcontainers': {
      const server = await containerServer.acquire();
      return { url: server.url, release: () => containerServer.release() };
    }
    case 'local': {
      const server = await startedServer.acquire();
      return { url: server.url, release: () => startedServer.release() };
    }
  }
}

/** Deletes every collection whose name starts with prefix. */
export async function deleteCollectionsWithPrefix(url: string, prefix: string): Promise<number> {
  const client = chromaClientFor(url);
  const names: string[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await client.listCollections({ limit: 100, offset });
    names.push(...page.map((collection) => collection.name).filter((name) => name.startsWith(prefix)));
    if (page.length < 100) break;
  }
  for (const name of names) await client.deleteCollection({ name });
  return names.length;
}

/** A Chroma server plus a collection-name prefix no other call gets. */
export async function provideChroma(): Promise<ProvidedChroma> {
  const mode = await resolveProviderMode('chroma');
  const server = await acquireServer(mode);
  const collectionPrefix = `${uniqueTestName()}_`;
  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    collectionPrefix,
    mode,
    stop() {
      stopped ??= (async () => {
        try {
          await deleteCollectionsWithPrefix(server.url, collectionPrefix);
        } finally {
          await server.release();
        }
      })();
      return stopped;
    },
  };
}
