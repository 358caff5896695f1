// Minimal types for the CommonJS wink packages used by the BM25 baseline.
declare module 'wink-bm25-text-search' {
  type PrepTask = (input: never) => unknown;
  interface Bm25Engine {
    defineConfig(config: {
      fldWeights: Record<string, number>;
      bm25Params?: { k1?: number; b?: number; k?: number };
      ovFieldNames?: string[];
    }): boolean;
    definePrepTasks(tasks: PrepTask[], field?: string): number;
    addDoc(doc: Record<string, string>, id: string | number): number;
    consolidate(fp?: number): boolean;
    search(text: string, limit?: number): [string, number][];
  }
  const bm25: () => Bm25Engine;
  export default bm25;
}
declare module 'wink-nlp-utils' {
  const nlp: {
    string: Record<string, (input: never) => unknown>;
    tokens: Record<string, (input: never) => unknown>;
  };
  export default nlp;
}
