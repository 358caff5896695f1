/** A document as a folder would store it: its id and the hash of its stored (normalised) text. */
export interface FolderDocument {
  id: string;
  sha256: string;
}

/** What to do so that a collection holds exactly the folder's documents (documents of other origins untouched). */
export interface FolderSyncPlan {
  /** In the folder, not in the collection. */
  add: string[];
  /** In both, with different content: delete the stored one, store the folder's. */
  replace: string[];
  /** Stored from the folder earlier, no longer in it. */
  remove: string[];
  unchanged: string[];
}

/**
 * Pure: reconciles a collection with a folder file by file. `stored` lists only documents that came from the
 * folder (the caller decides what that means), so a document someone ingested by hand is never removed.
 * Every list is sorted, so a plan reads the same on every run.
 */
export function planFolderSync(
  folder: readonly FolderDocument[],
  stored: readonly FolderDocument[],
): FolderSyncPlan {
  const storedById = new Map(stored.map((d) => [d.id, d.sha256]));
  const folderIds = new Set(folder.map((d) => d.id));
  const plan: FolderSyncPlan = { add: [], replace: [], remove: [], unchanged: [] };
  for (const document of folder) {
    const sha256 = storedById.get(document.id);
    if (sha256 === undefined) plan.add.push(document.id);
    else if (sha256 === document.sha256) plan.unchanged.push(document.id);
    else plan.replace.push(document.id);
  }
  for (const document of stored) if (!folderIds.has(document.id)) plan.remove.push(document.id);
  for (const list of Object.values(plan)) list.sort();
  return plan;
}
