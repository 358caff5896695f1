import { ingestDepsOf } from '@slipway/service/documents/ingest-documents';
import { collectFiles } from '@slipway/service/documents/ingest-files';
import { syncFolder } from '@slipway/service/documents/sync-folder';
import { startServiceUnderTest } from '@slipway/service/testing/service-under-test';
const root = '/work/wt-first-hour/';
const svc = await startServiceUnderTest({ LOG_LEVEL: 'silent' });
const { files } = await collectFiles([`${root}docs`]);
await syncFolder(
  ingestDepsOf(svc.runtime.deps),
  'docs',
  files.map((f) => f.path),
  root,
  'docs/',
);
for (const q of process.argv.slice(2)) {
  const c = await svc.runtime.deps.search.resolve('docs');
  const r = await svc.runtime.deps.search.searchIn(c, { query: q, topK: 8, mode: 'hybrid' });
  console.log('Q', q);
  for (const x of r.results)
    console.log('  ', x.score.toFixed(4), x.documentId, JSON.stringify(x.text.slice(0, 90)));
}
await svc.stop();
