/** One ranked list of ids (best first) and its weight in the fusion. */
export interface RankedList {
  ids: readonly string[];
  /** Weight of this list (default 1). */
  weight?: number;
}

export interface FusedItem {
  id: string;
  score: number;
  /** 1-based rank of the id in each input list, or null when the list does not hold it. */
  ranks: (number | null)[];
}

/**
 * Weighted reciprocal rank fusion: score(id) = Σ_lists weight / (k + rank), rank 1-based (Cormack et al.,
 * k = 60 by default). Ties keep the order of first appearance (earlier list, better rank). Duplicate ids
 * within a list count at their best rank.
 */
export function fuseRankings(lists: readonly RankedList[], options: { k?: number } = {}): FusedItem[] {
  const k = options.k ?? 60;
  if (!(k >= 0)) throw new RangeError('k must be ≥ 0');
  const items = new Map<string, FusedItem & { order: number }>();
  lists.forEach((list, listIndex) => {
    const weight = list.weight ?? 1;
    list.ids.forEach((id, position) => {
      let item = items.get(id);
      if (!item) {
        item = { id, score: 0, ranks: lists.map(() => null), order: items.size };
        items.set(id, item);
      }
      if (item.ranks[listIndex] !== null) return;
      item.ranks[listIndex] = position + 1;
      item.score += weight / (k + position + 1);
    });
  });
  return [...items.values()]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ id, score, ranks }) => ({ id, score, ranks }));
}
