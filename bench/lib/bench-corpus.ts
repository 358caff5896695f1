import { loadCranfield, type CranfieldQuery } from '@slipway/devtools/eval/cranfield-loader';

/** One document as POST /v1/collections/:name/documents takes it. */
export interface CorpusDocument {
  id: string;
  title: string;
  text: string;
  source: string;
  metadata: { variant: number };
}

export interface BenchCorpus {
  documents: CorpusDocument[];
  queries: CranfieldQuery[];
}

const sentencesOf = (text: string) => text.split(/(?<=[.;?!])\s+/).filter((s) => s.length > 0);

/**
 * Pure: Cranfield's abstracts, each in `variants` versions. Variant 0 is the original (title + abstract, as the
 * eval indexes it); variant k rotates the abstract's sentences by k, so every variant has the same vocabulary
 * and length but different content (and hash, chunk boundaries, vectors). A variant that would equal an
 * earlier one (a one-sentence abstract) gets a marker line so no document is a duplicate.
 */
export function buildCorpusDocuments(
  cranfield: { id: string; title: string; body: string }[],
  variants: number,
): CorpusDocument[] {
  const out: CorpusDocument[] = [];
  const seen = new Set<string>();
  for (let k = 0; k < variants; k++) {
    for (const doc of cranfield) {
      if (`${doc.title}${doc.body}`.trim() === '') continue; // Cranfield has two empty records
      const sentences = sentencesOf(doc.body);
      const shift = sentences.length === 0 ? 0 : k % sentences.length;
      const body = [...sentences.slice(shift), ...sentences.slice(0, shift)].join(' ');
      let text = `${doc.title}\n\n${body}`;
      if (seen.has(text)) text = `${text}\n\n[cranfield ${doc.id}, variant ${k}]`;
      seen.add(text);
      out.push({
        id: `cran-${doc.id}-v${k}`,
        title: doc.title,
        text,
        source: `cranfield:${doc.id}`,
        metadata: { variant: k },
      });
    }
  }
  return out;
}

export async function loadBenchCorpus(docs: number, variants: number): Promise<BenchCorpus> {
  const cranfield = await loadCranfield();
  return {
    documents: buildCorpusDocuments(cranfield.documents.slice(0, docs), variants),
    queries: cranfield.queries,
  };
}

export function batchesOf<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Words appended to the Cranfield questions to make every request of a cache-miss run distinct:
 * request i asks question i mod n followed by the base-W digits of floor(i / n) spelled in these words.
 */
const suffixWords = [
  'flow',
  'pressure',
  'boundary',
  'layer',
  'shock',
  'wing',
  'heat',
  'transfer',
  'supersonic',
  'mach',
  'turbulent',
  'laminar',
  'body',
  'surface',
  'velocity',
  'wake',
  'nozzle',
  'plate',
  'cone',
  'jet',
];

export function distinctQuestion(questions: readonly string[], i: number): string {
  const base = questions[i % questions.length]!;
  let k = Math.floor(i / questions.length);
  const words: string[] = [];
  while (k > 0) {
    words.push(suffixWords[k % suffixWords.length]!);
    k = Math.floor(k / suffixWords.length);
  }
  return words.length === 0 ? base : `${base} ${words.join(' ')}`;
}
