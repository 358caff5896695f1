// Pure: the action's inputs, read and checked before anything is sent.

export interface IngestInputs {
  url: URL;
  apiKey: string;
  collection: string;
  folder?: string;
  urls?: string;
  urlFile?: string;
  batchSize: number;
  maxBatchBytes: number;
  maxUrlBytes: number;
  timeoutMs: number;
  maxRetries: number;
  replaceChanged: boolean;
  failOnError: boolean;
}

export type InputReader = (name: string) => string;

/**
 * Defaults of the optional inputs, as action.yml declares them (a unit test keeps the two equal). The
 * runner fills them in from action.yml; the code applies them too, so an empty input means the default.
 */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = {
  folder: '',
  urls: '',
  'url-file': '',
  'batch-size': '20',
  'max-batch-bytes': '900000',
  'max-url-bytes': '5000000',
  'timeout-seconds': '60',
  'max-retries': '5',
  'replace-changed': 'false',
  'fail-on-error': 'true',
};

function integer(read: InputReader, name: string, min: number, max: number): number {
  const raw = read(name).trim();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`input ${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function boolean(read: InputReader, name: string): boolean {
  const raw = read(name).trim().toLowerCase();
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`input ${name} must be true or false, got "${raw}"`);
}

/** The service's base URL: http(s), no credentials, no query. Its path (a prefix behind a proxy) is kept. */
function serviceUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error('input url must be the service URL, e.g. https://staging.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('input url must be http(s)');
  if (url.username || url.password || url.search || url.hash) {
    throw new Error('input url must not carry credentials, a query or a fragment');
  }
  return url;
}

export function readIngestInputs(readRaw: InputReader): IngestInputs {
  const read = (name: string) => readRaw(name).trim() || (INPUT_DEFAULTS[name] ?? '');
  const apiKey = read('api-key').trim();
  if (!apiKey) throw new Error('input api-key is empty: set the environment secret SLIPWAY_INGEST_KEY');
  const rawUrl = read('url');
  if (!rawUrl.trim()) throw new Error('input url is empty: set the environment variable SLIPWAY_URL');
  const collection = read('collection').trim();
  if (!/^[a-z0-9][a-z0-9_-]{1,62}$/.test(collection)) {
    throw new Error(`input collection must be a collection name (a-z, 0-9, _ and -), got "${collection}"`);
  }
  const optional = (name: string) => read(name).trim() || undefined;
  const [folder, urls, urlFile] = [optional('folder'), optional('urls'), optional('url-file')];
  if (!folder && !urls && !urlFile) throw new Error('nothing to ingest: set folder, urls or url-file');
  return {
    url: serviceUrl(rawUrl),
    apiKey,
    collection,
    ...(folder ? { folder } : {}),
    ...(urls ? { urls } : {}),
    ...(urlFile ? { urlFile } : {}),
    batchSize: integer(read, 'batch-size', 1, 1000),
    maxBatchBytes: integer(read, 'max-batch-bytes', 1024, 64 * 1024 * 1024),
    maxUrlBytes: integer(read, 'max-url-bytes', 1, 64 * 1024 * 1024),
    timeoutMs: integer(read, 'timeout-seconds', 1, 600) * 1000,
    maxRetries: integer(read, 'max-retries', 0, 10),
    replaceChanged: boolean(read, 'replace-changed'),
    failOnError: boolean(read, 'fail-on-error'),
  };
}
