/**
 * Postgres's text form of a tsvector (`'lexeme':1,5A 'other':3 'nopos'`) → its lexemes and the number of
 * positions of each (the term frequency `ts_rank_cd` counts). Reading the text form is several times faster
 * than unnesting the tsvector into arrays on the server. In the text form a `'` inside a lexeme is written
 * `''` and a `\` is written `\\`.
 */
export interface ParsedTsvector {
  lexemes: string[];
  frequencies: number[];
}

export function parseTsvector(text: string): ParsedTsvector {
  const lexemes: string[] = [];
  const frequencies: number[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') {
      i++;
      continue;
    }
    if (text[i] !== "'") throw new Error(`unexpected tsvector text at ${i}`);
    let lexeme = '';
    let from = ++i;
    for (;;) {
      const quote = text.indexOf("'", i);
      const backslash = text.indexOf('\\', i);
      if (quote < 0) throw new Error('unterminated lexeme in tsvector text');
      if (backslash >= 0 && backslash < quote) {
        lexeme += text.slice(from, backslash) + text[backslash + 1];
        i = from = backslash + 2;
      } else if (text[quote + 1] === "'") {
        lexeme += text.slice(from, quote + 1);
        i = from = quote + 2;
      } else {
        lexeme += text.slice(from, quote);
        i = quote + 1;
        break;
      }
    }
    let positions = 0;
    if (text[i] === ':') {
      positions = 1;
      for (i++; i < text.length && text[i] !== ' '; i++) if (text[i] === ',') positions++;
    }
    lexemes.push(lexeme);
    frequencies.push(positions);
  }
  return { lexemes, frequencies };
}
