import { useCallback, useState } from 'preact/hooks';
import { ApiFailure } from '../core/slipway-api.js';
import { KeyForm, type Session } from './key-form.js';
import { SourceDialog, type SourceRequest } from './source-dialog.js';
import { Workspace } from './workspace.js';

/** Words for any failure: an ApiFailure already carries them; anything else is our own bug. */
export const messageOf = (error: unknown) =>
  error instanceof ApiFailure ? error.message : 'Something went wrong in the console. Reload the page.';

export type Report = (error: unknown) => void;

/** The whole page: the key, then the workspace for what the key may do, and the source viewer. */
export function ConsoleApp() {
  const [session, setSession] = useState<Session | null>(null);
  const [problem, setProblem] = useState('');
  const [source, setSource] = useState<SourceRequest | null>(null);
  const report = useCallback<Report>((error) => setProblem(error === null ? '' : messageOf(error)), []);

  return (
    <>
      <header class="masthead">
        <p class="brand">
          <span aria-hidden="true" class="brand-mark" />
          Slipway
        </p>
        <KeyForm session={session} onSession={setSession} report={report} />
      </header>
      <main id="main" tabIndex={-1}>
        <div class="problem" role="alert">
          {problem && (
            <>
              <p>{problem}</p>
              <button type="button" class="quiet" onClick={() => setProblem('')}>
                Dismiss
              </button>
            </>
          )}
        </div>
        {session ? <Workspace session={session} report={report} openSource={setSource} /> : <Welcome />}
      </main>
      <SourceDialog request={source} api={session?.api} onClose={() => setSource(null)} />
      <footer class="colophon">
        <a href="/docs">API reference</a> · the console uses only the public v1 API.
      </footer>
    </>
  );
}

function Welcome() {
  return (
    <section class="welcome" aria-labelledby="welcome-heading">
      <h1 id="welcome-heading">Ask your documents</h1>
      <p>
        Paste an API key above to start. <code>npm start</code> prints a development admin key, and the
        repository’s own documentation is already loaded into the <strong>docs</strong> collection.
      </p>
      <p>
        Every answer cites its sources: select a numbered marker to see the exact passage in the stored
        document. The key stays in this browser tab only (session storage) and is never put in a URL.
      </p>
    </section>
  );
}
