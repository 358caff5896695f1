import { describe, expect, it } from '@jest/globals';
import { answerSegments, describeAnswer, markerTargets, spanSegments } from '../src/core/answer-segments.js';
import { documentFormatOf } from '../src/core/document-format.js';
import { explainProblem, parseRetryAfter } from '../src/core/explain-problem.js';
import { abilitiesOf } from '../src/core/key-abilities.js';
import { createEventStreamParser, readEventStream } from '../src/core/read-event-stream.js';
import { findBrowser, missingBrowserMessage } from './support/find-browser.js';

describe('event stream parser', () => {
  it('assembles events across arbitrary network pieces and line endings', () => {
    const wire =
      'event: token\ndata: {"text":"Hel"}\n\nevent: token\r\ndata: {"text":"lo"}\r\n\r\n: comment\n\nevent: citations\rdata: {"a":1}\rdata: {"b":2}\r\r';
    for (const size of [1, 2, 3, 7, wire.length]) {
      const parser = createEventStreamParser();
      const events = [];
      for (let i = 0; i < wire.length; i += size) events.push(...parser.push(wire.slice(i, i + size)));
      expect(events).toEqual([
        { event: 'token', data: '{"text":"Hel"}' },
        { event: 'token', data: '{"text":"lo"}' },
        { event: 'citations', data: '{"a":1}\n{"b":2}' },
      ]);
    }
  });

  it('names unnamed events "message" and drops an event the stream ends inside', () => {
    const parser = createEventStreamParser();
    expect(parser.push('data: x\n\ndata: unfinished')).toEqual([{ event: 'message', data: 'x' }]);
    expect(parser.end()).toEqual([]);
  });

  it('reads a byte stream split inside a multi-byte character', async () => {
    const bytes = new TextEncoder().encode('event: token\ndata: {"text":"Größe – ok"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 5) controller.enqueue(bytes.slice(i, i + 5));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readEventStream(body)) events.push(event);
    expect(events).toEqual([{ event: 'token', data: '{"text":"Größe – ok"}' }]);
  });
});

describe('problems in words', () => {
  it('says what each status means, with the detail and the retry time where they help', () => {
    expect(explainProblem({ status: 401 })).toMatch(/not accepted/);
    expect(
      explainProblem({ status: 403, problem: { detail: 'This endpoint needs the "ingest" scope.' } }),
    ).toBe('Your API key is not allowed to do this. This endpoint needs the "ingest" scope.');
    expect(explainProblem({ status: 413 })).toMatch(/larger than the service accepts/);
    expect(
      explainProblem({ status: 422, problem: { errors: [{ path: 'name', message: 'must match ^[a-z]' }] } }),
    ).toBe('Some input was not accepted — name: must match ^[a-z].');
    expect(explainProblem({ status: 402, problem: { resetAt: '2030-06-01T00:00:00.000Z' } })).toBe(
      'This API key has used up its budget; it resets at Sat, 01 Jun 2030 00:00:00 GMT. Ask an administrator for a larger budget, or wait until then.',
    );
    expect(explainProblem({ status: 402, problem: { resetAt: 'soon' } })).toMatch(
      /^This API key has used up its budget\. /,
    );
    expect(explainProblem({ status: 429, retryAfterSeconds: 17 })).toBe(
      'Too many requests with this key. Try again in 17 seconds.',
    );
    expect(
      explainProblem({ status: 503, problem: { detail: 'Chroma is unavailable' }, retryAfterSeconds: 1 }),
    ).toBe('The service is degraded: Chroma is unavailable. Try again in 1 second.');
    expect(explainProblem({ status: 500, problem: { requestId: 'req-1' } })).toMatch(/request id req-1/);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-05T10:00:00Z');
    expect(parseRetryAfter('42', now)).toBe(42);
    expect(parseRetryAfter('Sat, 05 Dec 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('answer markers', () => {
  const cited = (...markers: number[]) => markers.map((marker) => ({ marker }));

  it('maps each [n] to the first citation carrying marker n, and leaves unknown numbers as text', () => {
    const answer = 'First [1] second [2] and a stray [7].';
    expect(answerSegments(answer, markerTargets(cited(1, 2)))).toEqual([
      { kind: 'text', text: 'First ' },
      { kind: 'marker', number: 1, citation: 0 },
      { kind: 'text', text: ' second ' },
      { kind: 'marker', number: 2, citation: 1 },
      { kind: 'text', text: ' and a stray [7].' },
    ]);
  });

  it('maps a model’s passage numbers by the citations’ markers, not by their order', () => {
    const answer = 'A holds [3]. B holds [1][3]. C holds [3].';
    const targets = markerTargets(cited(3, 1, 3));
    expect([...targets]).toEqual([
      [3, 0],
      [1, 1],
    ]);
    expect(answerSegments(answer, targets).filter((s) => s.kind === 'marker')).toEqual([
      { kind: 'marker', number: 3, citation: 0 },
      { kind: 'marker', number: 1, citation: 1 },
      { kind: 'marker', number: 3, citation: 0 },
      { kind: 'marker', number: 3, citation: 0 },
    ]);
  });

  it('says how an answer was made, including a model answer replaced for citing nothing it was given', () => {
    const final = { type: 'citations' as const, citations: [], cached: false };
    expect(describeAnswer({ ...final, mode: 'llm' })).toBe(
      'Written by the language model from the passages below.',
    );
    expect(describeAnswer({ ...final, mode: 'extractive', degraded: ['llm_primary'], cached: true })).toBe(
      'Quoted from your documents (extractive answer). From the cache. Degraded: llm_primary.',
    );
    expect(
      describeAnswer({ ...final, mode: 'extractive-fallback', fallbackReason: 'invalid_citation' }),
    ).toMatch(/cited none of the passages it was given, so this is quoted from your documents instead/);
  });

  it('cuts a document around a span, clamped to the text', () => {
    expect(spanSegments('abcdef', 2, 4)).toEqual({ before: 'ab', marked: 'cd', after: 'ef' });
    expect(spanSegments('abc', 2, 99)).toEqual({ before: 'ab', marked: 'c', after: '' });
    expect(spanSegments('abc', 5, 1)).toEqual({ before: 'abc', marked: '', after: '' });
  });
});

describe('keys, files and the browser', () => {
  it('derives what a key may do from its scopes (admin ⊇ ingest ⊇ read)', () => {
    expect(abilitiesOf(['read'])).toEqual({ read: true, ingest: false, admin: false });
    expect(abilitiesOf(['ingest'])).toEqual({ read: true, ingest: true, admin: false });
    expect(abilitiesOf(['admin'])).toEqual({ read: true, ingest: true, admin: true });
    expect(abilitiesOf(['unknown'])).toEqual({ read: false, ingest: false, admin: false });
  });

  it('uploads only the formats the service parses', () => {
    expect(documentFormatOf('notes.MD')).toBe('markdown');
    expect(documentFormatOf('page.htm')).toBe('html');
    expect(documentFormatOf('a.b.txt')).toBe('text');
    expect(documentFormatOf('slides.pdf')).toBeUndefined();
    expect(documentFormatOf('README')).toBeUndefined();
  });

  it('finds the browser from CHROME_PATH or PATH, and fails with the install command when there is none', () => {
    expect(() => findBrowser({ PATH: '/nonexistent' })).toThrow(missingBrowserMessage);
    expect(missingBrowserMessage).toContain('sudo apt-get install -y chromium');
    expect(() => findBrowser({ CHROME_PATH: '/nonexistent/chrome' })).toThrow(
      /CHROME_PATH=\/nonexistent\/chrome/,
    );
    expect(findBrowser({ CHROME_PATH: process.execPath })).toBe(process.execPath);
  });
});
