import { useEffect, useState } from 'preact/hooks';
import type { KeyAbilities } from '../core/key-abilities.js';
import { DOCUMENT_PAGE, type DocumentSummary, type SlipwayApi } from '../core/slipway-api.js';
import type { Report } from './console-app.js';
import { IngestForms } from './ingest-forms.js';

/** The collection's documents; upload, paste and delete only for a key with the ingest scope. */
export function DocumentsPanel(props: {
  api: SlipwayApi;
  collection: string;
  abilities: KeyAbilities;
  report: Report;
  onChanged: () => void;
}) {
  const { api, collection, report } = props;
  const [documents, setDocuments] = useState<DocumentSummary[] | null>(null);
  const [more, setMore] = useState(false);
  const [status, setStatus] = useState('');

  const load = async () => {
    if (!collection) return;
    try {
      const page = await api.documents(collection);
      setDocuments(page.documents);
      setMore(page.more);
    } catch (error) {
      report(error);
    }
  };
  useEffect(() => {
    setDocuments(null);
    void load();
  }, [api, collection]);

  const changed = () => {
    void load();
    props.onChanged();
  };
  const remove = async (doc: DocumentSummary) => {
    if (!window.confirm(`Delete “${doc.title ?? doc.id}” from ${collection}?`)) return;
    try {
      await api.deleteDocument(collection, doc.id);
      setStatus(`Deleted ${doc.id}.`);
      report(null);
      changed();
    } catch (error) {
      report(error);
    }
  };
  return (
    <>
      {props.abilities.ingest && (
        <IngestForms api={api} collection={collection} report={report} onStored={changed} />
      )}
      <p role="status" class="note">
        {status}
      </p>
      <DocumentTable
        documents={documents}
        more={more}
        collection={collection}
        onDelete={props.abilities.ingest ? remove : undefined}
      />
    </>
  );
}

function DocumentTable(props: {
  documents: DocumentSummary[] | null;
  more: boolean;
  collection: string;
  onDelete?: (doc: DocumentSummary) => void;
}) {
  const { documents, onDelete } = props;
  if (documents === null) return <p>Loading the documents…</p>;
  if (documents.length === 0) return <p>No documents in “{props.collection}” yet.</p>;
  return (
    <div class="table-scroll" role="region" aria-labelledby="documents-caption" tabIndex={0}>
      <table class="documents">
        <caption id="documents-caption">
          Documents in {props.collection} (
          {props.more ? `the first ${DOCUMENT_PAGE}, by id` : documents.length})
        </caption>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Id</th>
            <th scope="col">Chunks</th>
            {onDelete && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {documents.map((d) => (
            <tr>
              <td>{d.title ?? '—'}</td>
              <td class="id">{d.id}</td>
              <td class="number">{d.chunks}</td>
              {onDelete && (
                <td>
                  <button
                    type="button"
                    class="danger"
                    onClick={() => onDelete(d)}
                    aria-label={`Delete ${d.id}`}
                  >
                    Delete
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
