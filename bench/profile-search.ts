// Where a cache-miss search spends the service's CPU: runs the service under V8's sampling profiler
// (`--cpu-prof`), drives one retrieval mode at c = 1, and prints the functions and files with the most self
// time. Usage: tsx bench/profile-search.ts [--docs 1400] [--variants 4] [--duration 8] [--mode keyword]
//   [--connections 1] [--cache-hit] (one repeated query: the cache-hit path)
// The .cpuprofile is kept in bench/results/ (open it in Chrome DevTools for the call tree).
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { distinctQuestion, loadBenchCorpus } from './lib/bench-corpus.js';
import { callJson, startBenchStack, waitForKeywordIndex } from './lib/bench-stack.js';
import { ingestCorpus } from './lib/ingest-corpus.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { runLoad } from './lib/run-load.js';
import { summariseProfile, type CpuProfile } from './lib/summarise-profile.js';

const COLLECTION = 'profile';

async function main() {
  const { values } = parseArgs({
    options: {
      docs: { type: 'string', default: '1400' },
      variants: { type: 'string', default: '4' },
      duration: { type: 'string', default: '8' },
      mode: { type: 'string', default: 'keyword' },
      top: { type: 'string', default: '25' },
      connections: { type: 'string', default: '1' },
      'cache-hit': { type: 'boolean', default: false },
    },
  });
  console.log(`machine: ${machineLine(describeMachine())}`);
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  const profileDir = join(resultsDir, `profile-${values.mode}-${Date.now()}`);
  mkdirSync(profileDir, { recursive: true });
  const corpus = await loadBenchCorpus(Number(values.docs), Number(values.variants));
  const stack = await startBenchStack();
  try {
    await callJson(stack.service.url, stack.adminKey, 'POST', '/v1/collections', { name: COLLECTION });
    const ingested = await ingestCorpus(stack.service.url, stack.adminKey, COLLECTION, corpus.documents);
    // the profiled process: a fresh one, so the profile holds the searches (and the index build) only
    const service = await stack.restartService(['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
    await waitForKeywordIndex(service.url, ingested.chunks);
    const questions = [...new Set(corpus.queries.map((q) => q.text))];
    let counter = 0;
    const nextQuery = () => (values['cache-hit'] ? questions[0]! : distinctQuestion(questions, counter++));
    const run = await runLoad({
      name: `search ${values.mode}, cache ${values['cache-hit'] ? 'hit' : 'miss'}, c=${values.connections}`,
      url: `${service.url}/v1/collections/${COLLECTION}/search`,
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
      body: () => JSON.stringify({ query: nextQuery(), mode: values.mode }),
      connections: Number(values.connections),
      durationS: Number(values.duration),
    });
    console.log(`${run.name}: ${run.rps} rps, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms`);
    await stack.service.stop();
  } finally {
    await stack.stop();
  }
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written to ${profileDir}`);
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
  const summary = summariseProfile(profile, Number(values.top));
  console.log(`\nprofile: ${join(profileDir, file)}`);
  console.log(summary);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
