import { useEffect, useRef, useState } from 'preact/hooks';
import { spanSegments } from '../core/answer-segments.js';
import type { SlipwayApi, StoredDocument } from '../core/slipway-api.js';
import { messageOf } from './console-app.js';

/** Which passage to show: a span of character offsets into the stored document's text. */
export interface SourceRequest {
  collection: string;
  documentId: string;
  start: number;
  end: number;
  label: string;
}

/** A modal dialog with the stored document, the span highlighted and scrolled into view. */
export function SourceDialog(props: {
  request: SourceRequest | null;
  api?: SlipwayApi;
  onClose: () => void;
}) {
  const { request, api } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [doc, setDoc] = useState<StoredDocument | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!request || !api) {
      if (element.open) element.close();
      return;
    }
    let current = true;
    setDoc(null);
    setError('');
    if (!element.open) element.showModal();
    api.document(request.collection, request.documentId).then(
      (loaded) => current && setDoc(loaded),
      (failure: unknown) => current && setError(messageOf(failure)),
    );
    return () => {
      current = false;
    };
  }, [request, api]);
  useEffect(() => {
    dialog.current?.querySelector('mark')?.scrollIntoView({ block: 'center' });
  }, [doc]);

  const parts = doc && request ? spanSegments(doc.text, request.start, request.end) : undefined;
  return (
    <dialog ref={dialog} class="source" aria-labelledby="source-title" onClose={props.onClose}>
      <div class="source-head">
        <h2 id="source-title">{doc?.title ?? request?.documentId ?? 'Source'}</h2>
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      {request && (
        <p class="hint">
          {request.label}: characters {request.start}–{request.end} of {request.documentId}
        </p>
      )}
      {error && <p class="problem-inline">{error}</p>}
      {!error && !parts && <p>Loading the document…</p>}
      {parts && (
        <div class="document-text" role="region" aria-label="Document text" tabIndex={0}>
          {parts.before}
          <mark id="cited-span">{parts.marked}</mark>
          {parts.after}
        </div>
      )}
    </dialog>
  );
}
