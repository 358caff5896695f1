import { useState } from 'preact/hooks';
import { answerSegments, describeAnswer, markerTargets } from '../core/answer-segments.js';
import type { Citation, SlipwayApi } from '../core/slipway-api.js';
import type { Report } from './console-app.js';
import type { SourceRequest } from './source-dialog.js';

interface PanelProps {
  api: SlipwayApi;
  collection: string;
  report: Report;
  openSource: (request: SourceRequest) => void;
}

export function AskPanel({ api, collection, report, openSource }: PanelProps) {
  const [question, setQuestion] = useState('');
  const [answer, setAnswer] = useState('');
  const [citations, setCitations] = useState<Citation[]>([]);
  const [note, setNote] = useState('');
  const [streaming, setStreaming] = useState(false);

  const ask = async (event: Event) => {
    event.preventDefault();
    setAnswer('');
    setCitations([]);
    setNote('');
    setStreaming(true);
    try {
      let text = '';
      for await (const part of api.ask(collection, question.trim())) {
        if (part.type === 'token') setAnswer((text += part.text));
        else if (part.type === 'citations') {
          setCitations(part.citations);
          setNote(describeAnswer(part));
        } else setNote(part.message);
      }
      report(null);
    } catch (error) {
      report(error);
    } finally {
      setStreaming(false);
    }
  };
  const open = (c: Citation, n: number) =>
    openSource({ collection, documentId: c.documentId, start: c.start, end: c.end, label: `Citation ${n}` });

  return (
    <>
      <form class="ask" onSubmit={ask}>
        <label for="question">Question</label>
        <div class="row">
          <input
            id="question"
            required
            maxLength={2000}
            value={question}
            onInput={(event) => setQuestion(event.currentTarget.value)}
          />
          <button type="submit" disabled={streaming || !collection}>
            {streaming ? 'Answering…' : 'Ask'}
          </button>
        </div>
      </form>
      <h2 class="sub">Answer</h2>
      <p id="answer" class="answer" aria-live="polite" aria-busy={streaming}>
        {answerSegments(answer, markerTargets(citations)).map((s) =>
          s.kind === 'text' ? (
            s.text
          ) : (
            <button
              type="button"
              class="cite"
              aria-label={`Source ${s.number}`}
              onClick={() => open(citations[s.citation]!, s.citation + 1)}
            >
              {s.number}
            </button>
          ),
        )}
      </p>
      {!answer && !streaming && <p class="hint">Ask a question about the documents in “{collection}”.</p>}
      {note && <p class="note">{note}</p>}
      {citations.length > 0 && <CitationList citations={citations} onOpen={open} />}
    </>
  );
}

function CitationList(props: { citations: Citation[]; onOpen: (c: Citation, n: number) => void }) {
  return (
    <>
      <h2 class="sub">Sources</h2>
      <ol class="citations">
        {props.citations.map((c, i) => (
          <li>
            <button type="button" class="link" onClick={() => props.onOpen(c, i + 1)}>
              {c.documentId}, characters {c.start}–{c.end}
            </button>
            <q>{c.quote}</q>
          </li>
        ))}
      </ol>
    </>
  );
}
