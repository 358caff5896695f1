import type { Logger } from 'pino';
import { Router, type Response } from 'express';
import { apiRegistry, bearerAuth, problemResponses, z } from '../openapi/openapi-registry.js';
import { toProblem } from '../errors/problem-mapping.js';
import { requestLog } from '../http/request-context.js';
import { requireScope } from '../http/authenticate.js';
import { parseBody, parseParams } from '../http/validate-request.js';
import type { StreamSlots } from '../http/stream-slots.js';
import type { AnswerEvent, QuestionAnswerer } from '../answers/answer-question.js';
import { CollectionParams } from './collection-routes.js';
import type { RetrievalExperiment } from '../retrieval/retrieval-experiment.js';
import { applyVariant } from '../retrieval/retrieval-experiment.js';
import {
  checkQueryLength,
  modeDefault,
  queryText,
  searchMode,
  variantField,
  VariantHeaders,
  variantOf,
} from './search-routes.js';

const AnswerBody = apiRegistry.register(
  'AnswerRequest',
  z.strictObject({
    question: queryText(),
    topK: z.number().int().min(1).max(20).default(5),
    mode: searchMode.optional().openapi({ description: modeDefault }),
  }),
);

const Citation = apiRegistry.register(
  'Citation',
  z
    .object({
      documentId: z.string(),
      chunkId: z.string(),
      start: z.number().int(),
      end: z.number().int(),
      quote: z.string(),
      marker: z.number().int().min(1).openapi({
        description: 'The number of the `[n]` marker in the answer text that cites this span.',
      }),
    })
    .openapi({ description: 'quote === document.text.slice(start, end) of the stored document.' }),
);

const AnswerResponse = apiRegistry.register(
  'AnswerResponse',
  z.object({
    answer: z.string(),
    mode: z.enum(['extractive', 'llm', 'extractive-fallback']).openapi({
      description:
        'llm: written by the model, every citation checked. extractive: quoted from the passages (no model, ' +
        'or every model endpoint failed: see degraded). extractive-fallback: the model answered without a ' +
        'valid citation, so the extractive answer replaced it (see fallbackReason).',
    }),
    citations: z.array(Citation),
    cached: z.boolean(),
    degraded: z.array(z.string()).optional().openapi({
      description: 'What did not work: vector, llm_primary, llm_fallback, llm_stream_interrupted.',
    }),
    fallbackReason: z
      .enum(['no_citation', 'invalid_citation'])
      .optional()
      .openapi({
        description:
          'Mode extractive-fallback only. no_citation: the model cited nothing; invalid_citation: every ' +
          'marker it wrote named a passage it was not given.',
      }),
    variant: variantField,
  }),
);

apiRegistry.registerPath({
  method: 'post',
  path: '/v1/collections/{name}/answer',
  summary:
    'A cited answer (scope: read). With `Accept: text/event-stream`: `token` events, an `error` event if the ' +
    'model breaks off, then one final `citations` event ({citations, mode, cached, degraded?, fallbackReason?, variant}). ' +
    'A model answer is checked before it is sent: markers of passages the model was not given are removed, ' +
    'and its tokens are held until its first valid citation, so an uncited answer is never streamed ' +
    '(docs/security.md). When the instance already serves MAX_CONCURRENT_STREAMS streams, a stream request ' +
    'gets 503 `streams-at-capacity` with Retry-After at once.',
  security: [{ [bearerAuth.name]: [] }],
  request: {
    params: CollectionParams,
    headers: VariantHeaders,
    body: { content: { 'application/json': { schema: AnswerBody } } },
  },
  responses: {
    200: {
      description: 'The answer with citations (JSON), or a server-sent event stream',
      content: {
        'application/json': { schema: AnswerResponse },
        'text/event-stream': { schema: z.string() },
      },
    },
    ...problemResponses(400, 401, 403, 404, 415, 422, 429, 503),
  },
});

/** One server-sent event; the final `citations` event also names the request's experiment variant. */
function writeEvent(res: Response, event: AnswerEvent, variant?: string): void {
  if (event.type === 'answering') return; // only commits the route to a stream
  const { type, ...data } = event;
  const payload = type === 'citations' && variant !== undefined ? { ...data, variant } : data;
  res.write(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`);
}

const wantsStream = (accept: string | undefined) =>
  accept !== undefined && accept.includes('text/event-stream');

export function answerRoutes(
  answers: QuestionAnswerer,
  experiment: RetrievalExperiment,
  streams: StreamSlots,
  options: { maxQueryChars: number; logger: Logger },
): Router {
  const router = Router();
  router.post('/v1/collections/:name/answer', requireScope('read'), async (req, res) => {
    const { name } = parseParams(CollectionParams, req.params);
    const parsed = parseBody(AnswerBody, req);
    checkQueryLength(parsed.question, options.maxQueryChars, 'question');
    const parameters = variantOf(experiment, req, res);
    const body = { ...parsed, ...applyVariant(parameters, parsed) };
    const context = {
      apiKeyId: res.locals.apiKey?.id,
      requestId: res.locals.requestId,
      variant: parameters.variant,
    };
    if (!wantsStream(req.get('accept'))) {
      const answer = await answers.answer(name, body, { ...context, signal: res.locals.signal });
      res.json({ ...answer, variant: parameters.variant });
      return;
    }

    // A slot before any work: over the cap the answer is a prompt 503, never a stream left waiting.
    const slot = streams.take();
    if ('refusal' in slot) {
      res.locals.refundBudget?.(); // refused before any work: the budget's unit is not spent
      throw slot.refusal;
    }
    res.on('close', slot.release); // completion, failure and the client leaving all close the response
    if (res.closed) slot.release(); // the client left before the listener was there (e.g. during the body)

    // A stream is exempt from the request deadline once retrieval is done (the model's first token is
    // bounded by LLM_ANSWER_BUDGET_MS, the rest by LLM_TIMEOUT_MS); it stops when the client leaves.
    const leaving = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) leaving.abort(new Error('client closed the connection'));
    });
    const events = answers.stream(name, body, { ...context, signal: leaving.signal });
    // The first event decides between a problem response (unknown collection, store down) and a stream:
    // a token, or `answering` once retrieval is done (a model's tokens are held until its first citation).
    const first = await events.next();
    if (res.headersSent) {
      // the request deadline answered 503 while retrieval was still running
      leaving.abort();
      await events.return(undefined);
      return;
    }
    res.status(200);
    res.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    try {
      if (!first.done) writeEvent(res, first.value, parameters.variant);
      for await (const event of events) {
        if (leaving.signal.aborted) break;
        writeEvent(res, event, parameters.variant);
      }
    } catch (error) {
      if (!leaving.signal.aborted) {
        requestLog(req, res, options.logger).error({ err: error }, 'answer stream failed');
        const { problem } = toProblem(error);
        writeEvent(res, {
          type: 'error',
          reason: problem.status === 503 ? 'dependency-unavailable' : 'internal',
          message: 'The answer could not be completed.',
        });
      }
    }
    res.end();
  });
  return router;
}
