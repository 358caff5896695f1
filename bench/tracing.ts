// What OpenTelemetry tracing costs a request: the same service, on the same stores, started as the image starts
// it (`--import` the tracing preload) once without an OTLP endpoint (tracing off: the SDK is not loaded) and
// once exporting every span to a local OTLP/HTTP receiver (protobuf, decoded), and once with tracing on but
// no trace sampled (OTEL_TRACES_SAMPLER=always_off: what the instrumentation and context propagation cost
// without recording). Runs rotate between the sides so a machine whose load drifts drifts them alike.
// Usage: tsx bench/tracing.ts [--docs 300] [--variants 1] [--duration 5] [--connections 16] [--out FILE]
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver } from '@slipway/service/testing/otlp-receiver';
import { parseBenchArgs } from './lib/bench-args.js';
import { distinctQuestion, loadBenchCorpus } from './lib/bench-corpus.js';
import { renderTable, writeResult } from './lib/bench-report.js';
import {
  startBenchServer,
  startBenchStack,
  waitForKeywordIndex,
  type BenchServer,
} from './lib/bench-stack.js';
import { ingestCorpus } from './lib/ingest-corpus.js';
import { currentLoadAverage, describeMachine, machineLine, processCpuMs } from './lib/machine.js';
import { runLoad, type LoadResult } from './lib/run-load.js';

const COLLECTION = 'bench';
const REPEATS = 2;
const instrument = fileURLToPath(new URL('../service/src/observability/instrument.ts', import.meta.url));

type Side = 'off' | 'on' | 'sampled-out';

interface TracingRun extends LoadResult {
  tracing: Side;
  route: string;
  repeat: number;
  /** CPU time the service process spent per response (user + system): steadier than rps on a busy machine. */
  cpuMsPerRequest: number | null;
}

/** Pure: the median of a non-empty list. */
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2, 1);
};

async function main() {
  // a smaller corpus than search-answer's by default: the question is the per-request cost, not scale
  const args = parseBenchArgs([
    '--docs',
    '300',
    '--variants',
    '1',
    '--duration',
    '5',
    '--connections',
    '16',
    ...process.argv.slice(2),
  ]);
  const machine = describeMachine();
  const wallStart = Date.now();
  console.log(`machine: ${machineLine(machine)}`);
  const corpus = await loadBenchCorpus(args.docs, args.variants);
  const receiver = await startOtlpReceiver({ keepSpans: false });
  const stack = await startBenchStack();
  let traced: BenchServer | undefined;
  let untraced: BenchServer | undefined;
  let sampledOut: BenchServer | undefined;
  try {
    const { adminKey } = stack;
    const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const create = await fetch(`${stack.service.url}/v1/collections`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: COLLECTION }),
    });
    if (!create.ok) throw new Error(`create collection: ${create.status}`);
    const ingested = await ingestCorpus(stack.service.url, adminKey, COLLECTION, corpus.documents);
    console.log(`corpus: ${ingested.documents} documents, ${ingested.chunks} chunks`);
    await stack.service.stop();

    // both sides run the image's preload; only the endpoint differs (the variables the SDK reads itself)
    const base = { ...stack.serviceEnv, OTEL_EXPORTER_OTLP_ENDPOINT: undefined };
    untraced = await startBenchServer('service', base, [], [instrument]);
    traced = await startBenchServer(
      'service',
      { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'slipway-bench' },
      [],
      [instrument],
    );
    // tracing on, but no trace sampled: the instrumentations and context propagation run, nothing is recorded
    sampledOut = await startBenchServer(
      'service',
      { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'always_off' },
      [],
      [instrument],
    );
    await Promise.all(
      [untraced, traced, sampledOut].map((side) => waitForKeywordIndex(side.url, ingested.chunks)),
    );

    const questions = [...new Set(corpus.queries.map((q) => q.text))];
    let counter = 0;
    const routes = [
      {
        route: 'POST /search hybrid, cache miss',
        body: () =>
          JSON.stringify({ query: distinctQuestion(questions, counter++), mode: 'hybrid', topK: 10 }),
      },
      {
        route: 'POST /search hybrid, cache hit',
        body: () => JSON.stringify({ query: questions[0], mode: 'hybrid', topK: 10 }),
      },
    ];
    const sides: Record<Side, BenchServer> = { off: untraced, on: traced, 'sampled-out': sampledOut };
    for (const side of Object.values(sides)) {
      await runLoad({
        name: 'warm-up',
        url: `${side.url}/v1/collections/${COLLECTION}/search`,
        method: 'POST',
        headers,
        body: routes[0]!.body,
        connections: args.connections,
        durationS: Math.min(2, args.durationS),
      });
      await fetch(`${side.url}/v1/collections/${COLLECTION}/search`, {
        method: 'POST',
        headers,
        body: routes[1]!.body(),
      });
    }
    const spansBefore = receiver.requests.reduce((n, r) => n + r.spans, 0);

    const runs: TracingRun[] = [];
    for (const { route, body } of routes) {
      for (let repeat = 1; repeat <= REPEATS; repeat++) {
        const order: Side[] = ['off', 'on', 'sampled-out'];
        for (const tracing of repeat % 2 ? order : order.reverse()) {
          const cpuBefore = processCpuMs(sides[tracing].pid);
          const result = await runLoad({
            name: `${route}, tracing ${tracing} #${repeat}`,
            url: `${sides[tracing].url}/v1/collections/${COLLECTION}/search`,
            method: 'POST',
            headers,
            body,
            connections: args.connections,
            durationS: args.durationS,
          });
          const cpuAfter = processCpuMs(sides[tracing].pid);
          const cpuMsPerRequest =
            cpuBefore === null || cpuAfter === null || result.requests === 0
              ? null
              : round((cpuAfter - cpuBefore) / result.requests, 2);
          runs.push({ ...result, tracing, route, repeat, cpuMsPerRequest });
          console.log(
            `  ${result.name}: ${result.rps} rps, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${cpuMsPerRequest} ms CPU a request`,
          );
        }
      }
    }
    // the last spans of the traced runs reach the receiver within the batch delay (5 s by default)
    const tracedRequests = runs.filter((r) => r.tracing === 'on').reduce((n, r) => n + r.requests, 0);
    const deadline = Date.now() + 15_000;
    const spansNow = () => receiver.requests.reduce((n, r) => n + r.spans, 0) - spansBefore;
    while (spansNow() < tracedRequests && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));

    const summary = routes.map(({ route }) => {
      const of = (tracing: Side) => runs.filter((r) => r.route === route && r.tracing === tracing);
      const rps = (tracing: Side) => median(of(tracing).map((r) => r.rps));
      const p99 = (tracing: Side) => median(of(tracing).map((r) => r.latencyMs.p99));
      const p50 = (tracing: Side) => median(of(tracing).map((r) => r.latencyMs.p50));
      const cpu = (tracing: Side) => {
        const values = of(tracing).flatMap((r) => (r.cpuMsPerRequest === null ? [] : [r.cpuMsPerRequest]));
        return values.length ? median(values) : null;
      };
      const cpuOff = cpu('off');
      const cpuOn = cpu('on');
      const cpuSampledOut = cpu('sampled-out');
      return {
        route,
        rpsOff: rps('off'),
        rpsOn: rps('on'),
        rpsRatioOnOff: round(rps('on') / rps('off')),
        p50MsOff: p50('off'),
        p50MsOn: p50('on'),
        p99MsOff: p99('off'),
        p99MsOn: p99('on'),
        cpuMsPerRequestOff: cpuOff,
        cpuMsPerRequestOn: cpuOn,
        cpuRatioOnOff: cpuOff && cpuOn ? round(cpuOn / cpuOff) : null,
        rpsSampledOut: rps('sampled-out'),
        p50MsSampledOut: p50('sampled-out'),
        p99MsSampledOut: p99('sampled-out'),
        cpuMsPerRequestSampledOut: cpuSampledOut,
        cpuRatioSampledOutOff: cpuOff && cpuSampledOut ? round(cpuSampledOut / cpuOff) : null,
      };
    });
    const result = {
      benchmark: 'tracing',
      machine,
      loadAverageAtEnd: currentLoadAverage(),
      setup: {
        service:
          'service/src/server.ts in three child Node processes (tsx + the tracing preload) on the same stores',
        off: 'no OTEL_EXPORTER_OTLP_ENDPOINT: the preload loads nothing',
        on: 'OTEL_EXPORTER_OTLP_ENDPOINT = a local OTLP/HTTP receiver (protobuf, decoded in the bench process); all spans sampled',
        sampledOut: 'the same endpoint with OTEL_TRACES_SAMPLER=always_off: instrumented, nothing recorded',
        connections: args.connections,
        durationS: args.durationS,
        repeats: REPEATS,
      },
      corpus: { documents: ingested.documents, chunks: ingested.chunks },
      exported: {
        tracedRequests,
        spans: spansNow(),
        spansPerRequest: tracedRequests ? round(spansNow() / tracedRequests, 1) : 0,
        exportRequests: receiver.requests.length,
      },
      runs,
      summary,
      wallSeconds: Math.round((Date.now() - wallStart) / 100) / 10,
    };
    const path = writeResult('tracing', result, args.out);
    console.log(`\n${machineLine(machine)}; load average at end ${result.loadAverageAtEnd.join(' / ')}`);
    console.log(
      renderTable(
        [
          'route (medians of runs)',
          'rps off',
          'rps on',
          'on/off',
          'p50 off',
          'p50 on',
          'p99 off',
          'p99 on',
          'CPU ms off',
          'CPU ms on',
          'on/off',
          'rps sampled-out',
          'CPU ms sampled-out',
          'sampled-out/off',
        ],
        summary.map((s) => [
          s.route,
          s.rpsOff,
          s.rpsOn,
          s.rpsRatioOnOff,
          s.p50MsOff,
          s.p50MsOn,
          s.p99MsOff,
          s.p99MsOn,
          s.cpuMsPerRequestOff ?? '-',
          s.cpuMsPerRequestOn ?? '-',
          s.cpuRatioOnOff ?? '-',
          s.rpsSampledOut,
          s.cpuMsPerRequestSampledOut ?? '-',
          s.cpuRatioSampledOutOff ?? '-',
        ]),
      ),
    );
    console.log(
      `exported ${result.exported.spans} spans for ${tracedRequests} traced requests (${result.exported.spansPerRequest} a request)`,
    );
    console.log(`result: ${path}`);
  } finally {
    await Promise.allSettled([traced?.stop(), untraced?.stop(), sampledOut?.stop()]);
    await stack.stop();
    await receiver.close();
  }
}

await main();
