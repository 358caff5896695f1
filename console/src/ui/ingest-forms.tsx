import { useState } from 'preact/hooks';
import { acceptedFiles, documentFormatOf } from '../core/document-format.js';
import { ApiFailure, type DocumentInput, type SlipwayApi } from '../core/slipway-api.js';
import type { Report } from './console-app.js';

interface Outcome {
  name: string;
  text: string;
}

/** Reads the chosen files; refuses the whole batch when one is of a kind the service does not parse. */
async function filesToDocuments(files: File[]): Promise<DocumentInput[]> {
  const refused = files.filter((f) => !documentFormatOf(f.name)).map((f) => f.name);
  if (refused.length > 0)
    throw new ApiFailure(422, `Only .md, .txt and .html files can be uploaded (not ${refused.join(', ')}).`);
  return Promise.all(
    files.map(async (f) => ({
      title: f.name,
      source: f.name,
      text: await f.text(),
      format: documentFormatOf(f.name),
    })),
  );
}

export function IngestForms(props: {
  api: SlipwayApi;
  collection: string;
  report: Report;
  onStored: () => void;
}) {
  const { api, collection, report } = props;
  const [files, setFiles] = useState<File[]>([]);
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const [busy, setBusy] = useState(false);

  const store = async (names: string[], documents: () => Promise<DocumentInput[]>) => {
    setBusy(true);
    try {
      const results = await api.ingest(collection, await documents());
      setOutcomes(
        results.map((r, i) => ({
          name: names[i] ?? r.id,
          text: r.duplicate
            ? `duplicate — already stored as ${r.id}`
            : `stored as ${r.id} (${r.chunks} ${r.chunks === 1 ? 'chunk' : 'chunks'})`,
        })),
      );
      report(null);
      props.onStored();
      return true;
    } catch (error) {
      report(error);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const upload = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    if (
      await store(
        files.map((f) => f.name),
        () => filesToDocuments(files),
      )
    ) {
      form.reset();
      setFiles([]);
    }
  };
  const paste = async (event: Event) => {
    event.preventDefault();
    const name = title.trim() || 'Pasted text';
    if (await store([name], async () => [{ title: name, text, format: 'text' }])) {
      setTitle('');
      setText('');
    }
  };
  return (
    <div class="ingest">
      <form onSubmit={upload} class="upload">
        <label for="files">Upload files (.md, .txt, .html)</label>
        <input
          id="files"
          type="file"
          multiple
          required
          accept={acceptedFiles}
          onChange={(event) => setFiles([...(event.currentTarget.files ?? [])])}
        />
        <button type="submit" disabled={busy || files.length === 0}>
          Upload
        </button>
      </form>
      <form onSubmit={paste} class="paste">
        <label for="paste-title">Title of pasted text</label>
        <input id="paste-title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        <label for="paste-text">Text</label>
        <textarea
          id="paste-text"
          rows={4}
          required
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Add text
        </button>
      </form>
      <ul class="outcomes" aria-live="polite">
        {outcomes.map((o) => (
          <li>
            <strong>{o.name}</strong>: {o.text}
          </li>
        ))}
      </ul>
    </div>
  );
}
