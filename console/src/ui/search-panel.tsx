import { useState } from 'preact/hooks';
import type { SearchMode, SearchResult, SlipwayApi } from '../core/slipway-api.js';
import type { Report } from './console-app.js';
import type { SourceRequest } from './source-dialog.js';

const modes: { id: SearchMode; label: string; hint: string }[] = [
  { id: 'hybrid', label: 'Hybrid', hint: 'keywords and meaning, fused' },
  { id: 'keyword', label: 'Keyword', hint: 'BM25 on the words' },
  { id: 'vector', label: 'Vector', hint: 'meaning only' },
  { id: 'mmr', label: 'MMR', hint: 'hybrid, then diversified' },
];

export function SearchPanel(props: {
  api: SlipwayApi;
  collection: string;
  report: Report;
  openSource: (request: SourceRequest) => void;
}) {
  const { api, collection, report } = props;
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<SearchMode>('hybrid');
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  const search = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const response = await api.search(collection, query.trim(), mode);
      setResults(response.results);
      const degraded = response.degraded?.includes('vector') ? ' Vector search is down: keyword only.' : '';
      setStatus(`${response.results.length} passages, ${mode} search.${degraded}`);
      report(null);
    } catch (error) {
      report(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <form class="search" onSubmit={search}>
        <label for="query">Query</label>
        <div class="row">
          <input id="query" required value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
          <button type="submit" disabled={busy || !collection}>
            Search
          </button>
        </div>
        <fieldset class="modes">
          <legend>Mode</legend>
          {modes.map((m) => (
            <label class="mode">
              <input
                type="radio"
                name="mode"
                value={m.id}
                checked={mode === m.id}
                onChange={() => setMode(m.id)}
              />
              {m.label} <span class="hint">({m.hint})</span>
            </label>
          ))}
        </fieldset>
      </form>
      <p role="status" class="note">
        {status}
      </p>
      {results && <ResultList results={results} {...props} />}
    </>
  );
}

function ResultList(props: {
  results: SearchResult[];
  collection: string;
  openSource: (request: SourceRequest) => void;
}) {
  return (
    <ol class="results" aria-label="Ranked passages">
      {props.results.map((r, i) => (
        <li>
          <div class="result-head">
            <h3>{r.title ?? r.documentId}</h3>
            <span class="score">score {r.score.toFixed(4)}</span>
          </div>
          <p class="passage">{r.text}</p>
          <button
            type="button"
            class="link"
            onClick={() =>
              props.openSource({
                collection: props.collection,
                documentId: r.documentId,
                start: r.span.start,
                end: r.span.end,
                label: `Result ${i + 1}`,
              })
            }
          >
            Show in {r.documentId}
          </button>
        </li>
      ))}
    </ol>
  );
}
