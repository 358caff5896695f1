import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fake-openai-server.js';
import { provideMigratedStores, type MigratedStores } from '../support/migrated-stores.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';

// The real service in a child process, started as the image starts it: `node --import <instrument> server`
// (here with tsx before it), exporting over OTLP/HTTP to a local receiver that decodes what it gets.
const instrument = fileURLToPath(new URL('../../src/observability/instrument.ts', import.meta.url));
const SERVER = 2;
const STAGES = [
  'retrieval.keyword',
  'retrieval.embed',
  'retrieval.vector',
  'retrieval.fusion',
  'retrieval.mmr',
];

describe('OpenTelemetry tracing', () => {
  let stores: MigratedStores;
  let llm: FakeOpenAIServer;
  const adminKey = `test_${randomBytes(24).toString('base64url')}`;
  let storeEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [stores, llm] = await Promise.all([provideMigratedStores({ redis: true }), startFakeOpenAIServer()]);
    storeEnv = {
      ...stores.env,
      BOOTSTRAP_ADMIN_KEY: adminKey,
      RATE_LIMIT_PER_MINUTE: '100000',
      LLM_URL: llm.url,
      LLM_MODEL: 'tiny-test-model',
      LLM_MAX_RETRIES: '2',
      // whatever the environment running the tests says: each process below sets its own
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
      OTEL_EXPORTER_OTLP_PROTOCOL: undefined,
      OTEL_SDK_DISABLED: undefined,
      OTEL_TRACES_EXPORTER: undefined,
    };
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([stores?.stop(), llm?.close()]);
  });

  const call = (service: ServiceProcess, method: string, path: string, body?: unknown) =>
    service.callJson(method, path, adminKey, body);

  const seed = async (service: ServiceProcess, collection: string) => {
    expect((await call(service, 'POST', '/v1/collections', { name: collection })).status).toBe(201);
    const documents = [
      ['harbour', 'The harbour master keeps the tide tables. Boats leave the harbour at high tide.'],
      ['slipway', 'A slipway is a ramp on the shore by which ships are moved to and from the water.'],
      ['lighthouse', 'The lighthouse keeper lights the lamp at dusk so ships find the harbour at night.'],
    ];
    for (const [id, text] of documents) {
      const res = await call(service, 'POST', `/v1/collections/${collection}/documents`, { id, text });
      expect(res.status).toBeLessThan(300);
    }
  };

  const serverSpans = (spans: ReceivedSpan[]) => spans.filter((s) => s.kind === SERVER && !s.parentSpanId);
  const inTrace = (spans: ReceivedSpan[], traceId: string) => spans.filter((s) => s.traceId === traceId);
  /** True when `span` reaches `root` by parent links inside its trace. */
  const descendsFrom = (spans: ReceivedSpan[], span: ReceivedSpan, root: ReceivedSpan) => {
    const byId = new Map(inTrace(spans, root.traceId).map((s) => [s.spanId, s]));
    for (let at: ReceivedSpan | undefined = span; at; at = byId.get(at.parentSpanId)) {
      if (at.spanId === root.spanId) return true;
    }
    return false;
  };

  describe('with OTEL_EXPORTER_OTLP_ENDPOINT set (http/protobuf, the default)', () => {
    let receiver: OtlpReceiver;
    let service: ServiceProcess;
    const logLines: Record<string, unknown>[] = [];

    beforeAll(async () => {
      receiver = await startOtlpReceiver();
      service = await startServiceProcess(
        {
          ...storeEnv,
          LOG_LEVEL: 'info',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_BSP_SCHEDULE_DELAY: '100',
          OTEL_SERVICE_NAME: 'slipway-under-test',
        },
        {
          imports: [instrument],
          onStdoutLine: (line) => {
            try {
              logLines.push(JSON.parse(line) as Record<string, unknown>);
            } catch {
              // not a log line
            }
          },
        },
      );
      await seed(service, 'traced');
    }, 120_000);

    afterAll(async () => {
      await service?.stop();
      await receiver?.close();
    });

    it('exports one trace per request, rooted at the HTTP server span, with the retrieval stages as its children', async () => {
      const before = serverSpans(receiver.spans).length;
      const queries = ['when do boats leave the harbour', 'what is a slipway', 'who lights the lamp'];
      for (const query of queries) {
        const res = await call(service, 'POST', '/v1/collections/traced/search', {
          query,
          mode: 'hybrid',
          topK: 2,
          mmr: { lambda: 0.5 },
        });
        expect(res.status).toBe(200);
      }
      const spans = await receiver.waitFor((all) => {
        const searches = serverSpans(all).filter(
          (s) => s.attributes['http.route'] === '/v1/collections/:name/search',
        );
        return (
          searches.length === queries.length &&
          searches.every((s) => inTrace(all, s.traceId).some((c) => c.name === 'retrieval.mmr'))
        );
      });
      expect(serverSpans(spans).length).toBeGreaterThanOrEqual(before + queries.length);
      const searches = serverSpans(spans).filter(
        (s) => s.attributes['http.route'] === '/v1/collections/:name/search',
      );
      // one trace per request: three requests, three trace ids, one root each
      expect(new Set(searches.map((s) => s.traceId)).size).toBe(queries.length);
      for (const root of searches) {
        const trace = inTrace(spans, root.traceId);
        expect(trace.filter((s) => !s.parentSpanId)).toEqual([root]);
        expect(root.name).toBe('POST /v1/collections/:name/search');
        expect(root.attributes).toMatchObject({
          'http.request.method': 'POST',
          'http.route': '/v1/collections/:name/search',
          'http.response.status_code': 200,
          'url.path': '/v1/collections/traced/search',
        });
        expect(root.resource['service.name']).toBe('slipway-under-test');
        for (const stage of STAGES) {
          const span = trace.find((s) => s.name === stage);
          expect(span).toBeDefined();
          expect(descendsFrom(spans, span!, root)).toBe(true);
        }
        const lookups = trace.filter((s) => s.name === 'cache.lookup');
        expect(lookups.map((s) => s.attributes['slipway.cache.name'])).toContain('retrieval');
        expect(lookups.every((s) => typeof s.attributes['slipway.cache.hit'] === 'boolean')).toBe(true);
        // the instrumented stores: Postgres and Redis client spans in the same trace
        const pgQueries = trace.filter(
          (s) => s.attributes['db.system.name'] === 'postgresql' && s.name.startsWith('pg.query'),
        );
        expect(pgQueries.length).toBeGreaterThan(0);
        for (const query of pgQueries) expect(query.attributes['db.query.text']).toEqual(expect.any(String));
        expect(trace.some((s) => s.attributes['db.system.name'] === 'redis')).toBe(true);
      }
    });

    it('marks a repeated search a cache hit', async () => {
      // hybrid: a keyword search answered from the in-memory index is not cached at all
      const body = { query: 'tide tables', mode: 'hybrid', topK: 2 };
      expect((await call(service, 'POST', '/v1/collections/traced/search', body)).status).toBe(200);
      expect((await call(service, 'POST', '/v1/collections/traced/search', body)).status).toBe(200);
      const spans = await receiver.waitFor((all) =>
        all.some((s) => s.name === 'cache.lookup' && s.attributes['slipway.cache.hit'] === true),
      );
      const hit = spans.find((s) => s.name === 'cache.lookup' && s.attributes['slipway.cache.hit'] === true)!;
      const trace = inTrace(spans, hit.traceId);
      // a hit answers from the cache: no retrieval stage ran in that request
      expect(trace.some((s) => s.name.startsWith('retrieval.'))).toBe(false);
    });

    it('records the LLM call with GenAI attributes and each retry as an event', async () => {
      llm.script('chat', { kind: 'fail', status: 503 }, 1);
      const res = await call(service, 'POST', '/v1/collections/traced/answer', {
        question: 'When do boats leave the harbour?',
      });
      expect(res.status).toBe(200);
      expect(res.body.mode).toBe('llm');
      const spans = await receiver.waitFor((all) => all.some((s) => s.name === 'chat tiny-test-model'));
      const chat = spans.find((s) => s.name === 'chat tiny-test-model')!;
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'tiny-test-model',
        'server.address': '127.0.0.1',
      });
      expect(chat.attributes['gen_ai.usage.input_tokens']).toEqual(expect.any(Number));
      expect(chat.attributes['gen_ai.usage.output_tokens']).toEqual(expect.any(Number));
      const retries = chat.events.filter((e) => e.name === 'retry');
      expect(retries).toHaveLength(1);
      expect(retries[0]!.attributes).toMatchObject({
        'http.response.status_code': 503,
        'slipway.retry.number': 1,
      });
      const root = serverSpans(spans).find((s) => s.traceId === chat.traceId)!;
      expect(root.attributes['http.route']).toBe('/v1/collections/:name/answer');
      expect(descendsFrom(spans, chat, root)).toBe(true);
    });

    it('puts the trace id in the problem document and the log lines of a failing request', async () => {
      const res = await call(service, 'POST', '/v1/collections/no-such-collection/search', {
        query: 'anything',
        mode: 'keyword',
      });
      expect(res.status).toBe(404);
      const traceId = res.body.traceId as string;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      const spans = await receiver.waitFor((all) => serverSpans(all).some((s) => s.traceId === traceId));
      const root = serverSpans(spans).find((s) => s.traceId === traceId)!;
      expect(root.attributes['http.response.status_code']).toBe(404);
      expect(root.attributes['url.path']).toBe('/v1/collections/no-such-collection/search');
      // the request's log line carries the same trace id, and the request id of the problem document
      const requestLines = logLines.filter((line) => line.requestId === res.body.requestId);
      expect(requestLines.length).toBeGreaterThan(0);
      for (const line of requestLines) expect(line.trace_id).toBe(traceId);
    });

    it('writes trace_id and span_id on every log line written inside a request', async () => {
      const requestLines = logLines.filter((line) => typeof line.requestId === 'string');
      expect(requestLines.length).toBeGreaterThan(5);
      for (const line of requestLines) {
        expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
        expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
      }
      // and each request's line names a trace the receiver got
      const exported = new Set(receiver.spans.map((s) => s.traceId));
      expect(requestLines.filter((line) => exported.has(line.trace_id as string)).length).toBeGreaterThan(0);
    });

    it('does not trace health probes', async () => {
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
      await call(service, 'GET', '/v1/collections');
      await receiver.waitFor((all) =>
        serverSpans(all).some((s) => s.attributes['url.path'] === '/v1/collections'),
      );
      expect(receiver.spans.some((s) => String(s.attributes['url.path']).startsWith('/health/'))).toBe(false);
    });
  });

  describe('with OTLP/JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)', () => {
    it('exports the same trace shape as JSON', async () => {
      const receiver = await startOtlpReceiver();
      const service = await startServiceProcess(
        {
          ...storeEnv,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '100',
        },
        { imports: [instrument] },
      );
      try {
        const res = await call(service, 'POST', '/v1/collections/traced/search', {
          query: 'lighthouse keeper',
          mode: 'keyword',
          topK: 1,
        });
        expect(res.status).toBe(200);
        const spans = await receiver.waitFor((all) =>
          all.some(
            (k) => k.name === 'retrieval.keyword' && serverSpans(all).some((s) => s.traceId === k.traceId),
          ),
        );
        expect(receiver.requests.every((r) => r.contentType === 'application/json')).toBe(true);
        const keyword = spans.find((s) => s.name === 'retrieval.keyword')!;
        const root = serverSpans(spans).find((s) => s.traceId === keyword.traceId)!;
        expect(root.attributes['http.route']).toBe('/v1/collections/:name/search');
        expect(descendsFrom(spans, keyword, root)).toBe(true);
      } finally {
        await service.stop();
        await receiver.close();
      }
    }, 120_000);
  });

  describe.each([
    ['no endpoint is set', {}],
    ['OTEL_SDK_DISABLED=true', { OTEL_SDK_DISABLED: 'true', endpoint: true }],
  ])('when %s', (_case, settings) => {
    it('exports nothing and puts no trace id anywhere', async () => {
      const receiver = await startOtlpReceiver();
      const logLines: Record<string, unknown>[] = [];
      const service = await startServiceProcess(
        {
          ...storeEnv,
          LOG_LEVEL: 'info',
          OTEL_BSP_SCHEDULE_DELAY: '100',
          ...('endpoint' in settings && { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }),
          ...('OTEL_SDK_DISABLED' in settings && { OTEL_SDK_DISABLED: settings.OTEL_SDK_DISABLED }),
        },
        {
          imports: [instrument],
          onStdoutLine: (line) => {
            try {
              logLines.push(JSON.parse(line) as Record<string, unknown>);
            } catch {
              // not a log line
            }
          },
        },
      );
      let problem: Record<string, unknown>;
      try {
        const search = await call(service, 'POST', '/v1/collections/traced/search', {
          query: 'harbour',
          mode: 'hybrid',
          topK: 1,
        });
        expect(search.status).toBe(200);
        problem = (await call(service, 'GET', '/v1/collections/no-such-collection')).body;
      } finally {
        await service.stop(); // a graceful stop: an SDK, had one started, would flush here
      }
      await receiver.close();
      expect(problem.status).toBe(404);
      expect(problem.requestId).toEqual(expect.any(String));
      expect(problem).not.toHaveProperty('traceId');
      expect(receiver.requests).toEqual([]);
      const requestLines = logLines.filter((line) => typeof line.requestId === 'string');
      expect(requestLines.length).toBeGreaterThan(0);
      for (const line of requestLines) expect(line).not.toHaveProperty('trace_id');
    }, 120_000);
  });
});
