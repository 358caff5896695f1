import { useState } from 'preact/hooks';
import type { SlipwayApi } from '../core/slipway-api.js';
import type { Report } from './console-app.js';

/** Admin only: a new, empty collection. */
export function NewCollectionForm(props: {
  api: SlipwayApi;
  report: Report;
  onCreated: (name: string) => void;
}) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const create = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const created = await props.api.createCollection(name.trim());
      setName('');
      props.report(null);
      props.onCreated(created.name);
    } catch (error) {
      props.report(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="field inline" onSubmit={create}>
      <label for="new-collection">New collection</label>
      <input
        id="new-collection"
        required
        aria-describedby="new-collection-hint"
        value={name}
        onInput={(event) => setName(event.currentTarget.value)}
      />
      <span id="new-collection-hint" class="hint">
        lower-case letters, digits, - and _
      </span>
      <button type="submit" disabled={busy}>
        Create
      </button>
    </form>
  );
}
