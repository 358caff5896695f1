import { useEffect, useRef, useState } from 'preact/hooks';
import type { Collection } from '../core/slipway-api.js';
import { AskPanel } from './ask-panel.js';
import type { Report } from './console-app.js';
import { DocumentsPanel } from './documents-panel.js';
import type { Session } from './key-form.js';
import { NewCollectionForm } from './new-collection-form.js';
import { SearchPanel } from './search-panel.js';
import type { SourceRequest } from './source-dialog.js';
import { TabList, type TabSpec } from './tab-list.js';

type TabId = 'ask' | 'search' | 'documents';
const tabs: TabSpec<TabId>[] = [
  { id: 'ask', label: 'Ask' },
  { id: 'search', label: 'Search' },
  { id: 'documents', label: 'Documents' },
];

/** The collection picker and the tabs; every panel stays mounted so switching keeps its state. */
export function Workspace(props: {
  session: Session;
  report: Report;
  openSource: (r: SourceRequest) => void;
}) {
  const { session, report } = props;
  const [collections, setCollections] = useState<Collection[] | null>(null);
  const [collection, setCollection] = useState('');
  const [tab, setTab] = useState<TabId>('ask');
  const heading = useRef<HTMLHeadingElement>(null);

  const reload = async (prefer?: string) => {
    try {
      const list = await session.api.collections();
      setCollections(list);
      setCollection((current) => {
        const wanted = prefer ?? current;
        if (list.some((c) => c.name === wanted)) return wanted;
        return (list.find((c) => c.name === 'docs') ?? list[0])?.name ?? '';
      });
    } catch (error) {
      report(error);
    }
  };
  useEffect(() => {
    heading.current?.focus();
    void reload();
  }, [session]);

  const panel = { api: session.api, collection, report, openSource: props.openSource };
  return (
    <section class="workspace" aria-labelledby="workspace-heading">
      <h1 id="workspace-heading" ref={heading} tabIndex={-1}>
        Ask your documents
      </h1>
      <div class="collection-bar">
        <CollectionPicker collections={collections} value={collection} onChange={setCollection} />
        {session.abilities.admin && (
          <NewCollectionForm api={session.api} report={report} onCreated={(name) => void reload(name)} />
        )}
      </div>
      <TabList label="What to do" tabs={tabs} selected={tab} onSelect={setTab} />
      {tabs.map(({ id }) => (
        <div
          role="tabpanel"
          id={`panel-${id}`}
          aria-labelledby={`tab-${id}`}
          hidden={id !== tab}
          class="panel"
        >
          {id === 'ask' && <AskPanel {...panel} />}
          {id === 'search' && <SearchPanel {...panel} />}
          {id === 'documents' && (
            <DocumentsPanel {...panel} abilities={session.abilities} onChanged={() => void reload()} />
          )}
        </div>
      ))}
    </section>
  );
}

function CollectionPicker(props: {
  collections: Collection[] | null;
  value: string;
  onChange: (name: string) => void;
}) {
  const { collections } = props;
  if (collections !== null && collections.length === 0)
    return <p class="note">There are no collections yet. An admin key can create one.</p>;
  return (
    <div class="field inline">
      <label for="collection">Collection</label>
      <select
        id="collection"
        value={props.value}
        disabled={collections === null}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        {(collections ?? []).map((c) => (
          <option value={c.name}>
            {c.name} ({c.documents} documents)
          </option>
        ))}
      </select>
    </div>
  );
}
