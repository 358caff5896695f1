/**
 * Pure: text Postgres cannot store. A NUL byte is refused by `text` columns (22P05/22021), and a lone
 * UTF-16 surrogate has no UTF-8 encoding at all. Input is checked for both where it enters, so a bad byte
 * is a 422 naming the field rather than a store error.
 */
const nul = '\u0000';
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unstorableReason(text: string): string | undefined {
  if (text.includes(nul)) return 'must not contain NUL (\\u0000) characters';
  if (loneSurrogate.test(text)) return 'must not contain lone UTF-16 surrogates';
  return undefined;
}

export interface UnstorableField {
  path: string;
  message: string;
}

/**
 * Every string (and object key) in a JSON value that Postgres cannot store, and every `__proto__` key, with
 * its dotted path (`metadata.lang`, `documents.2.title`). Stops after `limit` findings.
 */
export function findUnstorableText(value: unknown, limit = 20): UnstorableField[] {
  const found: UnstorableField[] = [];
  const visit = (node: unknown, path: string[]): void => {
    if (found.length >= limit) return;
    if (typeof node === 'string') {
      const reason = unstorableReason(node);
      if (reason) found.push({ path: path.join('.') || '(body)', message: reason });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path, String(index)]));
      return;
    }
    if (node && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        const reason = unstorableReason(key);
        if (reason) found.push({ path: [...path, '(key)'].join('.'), message: `a key ${reason}` });
        // JSON.parse keeps `__proto__` as an own key, but copying it into a new object (as schema
        // validation does) sets a prototype instead: the key would silently vanish.
        if (key === '__proto__')
          found.push({ path: [...path, key].join('.'), message: 'is a reserved name' });
        visit(item, [...path, key]);
      }
    }
  };
  visit(value, []);
  return found;
}
