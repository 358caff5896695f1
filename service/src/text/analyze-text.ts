import { stemmer } from 'stemmer';

/**
 * English stopwords: the Lucene/Snowball-style short list of function words. Dropping them is a cheap,
 * corpus-independent stand-in for inverse document frequency.
 */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her ' +
    'here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not ' +
    'now of off on once only or other our ours ourselves out over own same she should so some such than that ' +
    'the their theirs them themselves then there these they this those through to too under until up very was ' +
    'we were what when where which while who whom why will with would you your yours yourself yourselves ' +
    'also may might must shall upon us'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;
const COMBINING_MARKS = /\p{M}+/gu;

const NON_ASCII = /\P{ASCII}/u;
const APOSTROPHE = /['’]/;

/** Lowercased word tokens (letters and digits), accents folded. */
export function tokenizeWords(text: string): string[] {
  // ASCII text has nothing to decompose or fold: skip the two passes over it
  const folded = (
    NON_ASCII.test(text) ? text.normalize('NFKD').replace(COMBINING_MARKS, '') : text
  ).toLowerCase();
  // the matched strings at once (no match object per word); apostrophes only where the text has one
  const words = folded.match(WORD) ?? [];
  if (!APOSTROPHE.test(folded)) return words;
  return words.map((word) =>
    APOSTROPHE.test(word) ? word.replace(/['’]s$/u, '').replace(/['’]/gu, '') : word,
  );
}

const stemCache = new Map<string, string>();

/** Porter stem of a lowercase word (memoised; the vocabulary of a collection is small). */
export function stemWord(word: string): string {
  let stem = stemCache.get(word);
  if (stem === undefined) {
    stem = /^\p{N}/u.test(word) ? word : stemmer(word);
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(word, stem);
  }
  return stem;
}

/** Content terms of a text: words without stopwords, Porter-stemmed, in order. */
export function analyzeTerms(text: string): string[] {
  return contentTerms(tokenizeWords(text));
}

/** Content terms of a text's words (`tokenizeWords`): without stopwords, Porter-stemmed, in order. */
export function contentTerms(words: readonly string[]): string[] {
  const terms: string[] = [];
  for (const word of words) {
    if (word.length < 2 && !/\p{N}/u.test(word)) continue;
    if (ENGLISH_STOPWORDS.has(word)) continue;
    terms.push(stemWord(word));
  }
  return terms;
}
