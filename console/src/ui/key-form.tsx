import { useEffect, useState } from 'preact/hooks';
import { abilitiesOf, type KeyAbilities } from '../core/key-abilities.js';
import { SlipwayApi } from '../core/slipway-api.js';
import type { Report } from './console-app.js';

/** A connected key: the client for it and what it may do (from GET /v1/keys/me). */
export interface Session {
  api: SlipwayApi;
  scopes: string[];
  abilities: KeyAbilities;
}

/** Held for this tab only: sessionStorage, never localStorage, cookies or the URL. */
const KEY_ITEM = 'slipway.apiKey';

export function KeyForm(props: {
  session: Session | null;
  onSession: (session: Session | null) => void;
  report: Report;
}) {
  const { session, onSession, report } = props;
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);

  const connect = async (key: string) => {
    setBusy(true);
    try {
      const api = new SlipwayApi(key);
      const { scopes } = await api.me();
      sessionStorage.setItem(KEY_ITEM, key);
      setDraft('');
      report(null);
      onSession({ api, scopes, abilities: abilitiesOf(scopes) });
    } catch (error) {
      sessionStorage.removeItem(KEY_ITEM);
      report(error);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    const stored = sessionStorage.getItem(KEY_ITEM);
    if (stored) void connect(stored);
  }, []);

  if (session) {
    const forget = () => {
      sessionStorage.removeItem(KEY_ITEM);
      onSession(null);
    };
    return (
      <div class="key-status">
        <p>
          Connected · scopes: <strong>{session.scopes.join(', ')}</strong>
        </p>
        <button type="button" class="quiet" onClick={forget}>
          Forget key
        </button>
      </div>
    );
  }
  return (
    <form
      class="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (draft.trim()) void connect(draft.trim());
      }}
    >
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autoComplete="off"
        spellcheck={false}
        required
        value={draft}
        onInput={(event) => setDraft(event.currentTarget.value)}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Connecting…' : 'Connect'}
      </button>
    </form>
  );
}
