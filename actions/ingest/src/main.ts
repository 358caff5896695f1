// The action's run(): checks the key and the collection, reads the folder and/or fetches the URL list,
// sends the documents in batches through the public v1 API, and reports added / duplicate / failed /
// skipped counts as outputs and in the job summary. The key is masked before anything else happens.
import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { fetchUrlList } from './fetch-urls.js';
import { readIngestInputs, type IngestInputs } from './ingest-inputs.js';
import { countOutcomes, MAX_LISTED, renderSummary } from './ingest-report.js';
import { readFolder, type CollectedDocuments } from './read-folder.js';
import { IngestStopped, sendDocuments, type DocumentResult } from './send-documents.js';
import { ServiceClient, ServiceUnreachable } from './service-client.js';

/** Stops the run unless the key is valid, may ingest, and the collection exists. */
async function preflight(client: ServiceClient, collection: string): Promise<void> {
  const me = await client.whoAmI();
  if (!me.ok) {
    throw new IngestStopped(
      `the service refused the key (${me.message}); check the SLIPWAY_INGEST_KEY secret of this environment`,
    );
  }
  const scopes = me.body.scopes;
  if (!scopes.includes('ingest') && !scopes.includes('admin')) {
    throw new IngestStopped(
      `key ${me.body.prefix}… (${me.body.name}) has scopes [${scopes.join(', ')}]; ingesting needs the ingest scope`,
    );
  }
  if (scopes.includes('admin')) {
    core.warning(
      `key ${me.body.prefix}… (${me.body.name}) is an admin key; an ingest-scoped key is enough ` +
        '(npm run keys -- create --name ci-ingest --scopes ingest)',
    );
  }
  const found = await client.collection(collection);
  if (!found.ok) {
    throw new IngestStopped(
      found.status === 404
        ? `collection "${collection}" does not exist; an admin creates it once (POST /v1/collections)`
        : `reading collection "${collection}" failed: ${found.message}`,
    );
  }
}

async function collect(inputs: IngestInputs): Promise<CollectedDocuments> {
  const parts: CollectedDocuments[] = [];
  if (inputs.folder) parts.push(await readFolder(inputs.folder));
  const limits = { maxBytes: inputs.maxUrlBytes, timeoutMs: inputs.timeoutMs };
  if (inputs.urls) parts.push(await fetchUrlList(inputs.urls, limits));
  if (inputs.urlFile) {
    const list = await readFile(inputs.urlFile, 'utf8').catch(() => {
      throw new Error(`url-file "${inputs.urlFile}" cannot be read`);
    });
    parts.push(await fetchUrlList(list, limits));
  }
  return {
    documents: parts.flatMap((part) => part.documents),
    results: parts.flatMap((part) => part.results),
  };
}

function sourcesOf(inputs: IngestInputs): string[] {
  return [
    ...(inputs.folder ? [`${inputs.folder}/`] : []),
    ...(inputs.urls ? ['urls'] : []),
    ...(inputs.urlFile ? [inputs.urlFile] : []),
  ];
}

function logResults(results: readonly DocumentResult[]): void {
  const failed = results.filter((result) => result.outcome === 'failed');
  failed.forEach((result, index) => {
    const line = `${result.source}: ${result.reason ?? 'failed'}`;
    if (index < MAX_LISTED) core.warning(line);
    else core.info(line);
  });
}

async function report(inputs: IngestInputs, results: DocumentResult[], stopped?: string): Promise<void> {
  const counts = countOutcomes(results);
  core.setOutput('added', counts.added);
  core.setOutput('updated', counts.updated);
  core.setOutput('duplicates', counts.duplicate);
  core.setOutput('failed', counts.failed);
  core.setOutput('skipped', counts.skipped);
  core.setOutput('total', counts.total);
  const summary = renderSummary(results, {
    collection: inputs.collection,
    service: inputs.url.href.replace(/\/$/, ''),
    sources: sourcesOf(inputs),
    ...(stopped ? { stopped } : {}),
  });
  await core.summary.addRaw(summary).write();
  core.info(
    `${counts.added} added, ${counts.updated} updated, ${counts.duplicate} duplicate, ` +
      `${counts.failed} failed, ${counts.skipped} skipped`,
  );
}

export async function run(): Promise<void> {
  const rawKey = core.getInput('api-key');
  if (rawKey.trim()) core.setSecret(rawKey.trim());
  let inputs: IngestInputs;
  try {
    inputs = readIngestInputs((name) => core.getInput(name));
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
    return;
  }
  const client = new ServiceClient({
    baseUrl: inputs.url.href,
    apiKey: inputs.apiKey,
    timeoutMs: inputs.timeoutMs,
    maxRetries: inputs.maxRetries,
    onRetry: (what, delayMs, attempt) =>
      core.info(`retry ${attempt}/${inputs.maxRetries} in ${Math.round(delayMs / 100) / 10} s: ${what}`),
  });
  const results: DocumentResult[] = [];
  try {
    await preflight(client, inputs.collection);
    const collected = await collect(inputs);
    results.push(...collected.results);
    core.info(`${collected.documents.length} document(s) to send to collection "${inputs.collection}"`);
    await sendDocuments(
      client,
      inputs.collection,
      collected.documents,
      {
        maxDocuments: inputs.batchSize,
        maxBytes: inputs.maxBatchBytes,
        replaceChanged: inputs.replaceChanged,
      },
      results,
      ({ number, of, results: batch }) => {
        const counts = countOutcomes(batch);
        core.info(
          `batch ${number}/${of}: ${counts.added} added, ${counts.updated} updated, ` +
            `${counts.duplicate} duplicate, ${counts.failed} failed`,
        );
      },
    );
  } catch (error) {
    if (!(error instanceof IngestStopped || error instanceof ServiceUnreachable)) {
      core.setFailed(error instanceof Error ? error.message : String(error));
      return;
    }
    logResults(results);
    await report(inputs, results, error.message);
    core.setFailed(`ingest stopped: ${error.message}`);
    return;
  }
  logResults(results);
  await report(inputs, results);
  const failed = countOutcomes(results).failed;
  if (failed > 0) {
    const message = `${failed} document(s) failed to ingest (listed in the job summary)`;
    if (inputs.failOnError) core.setFailed(message);
    else core.warning(message);
  }
}
