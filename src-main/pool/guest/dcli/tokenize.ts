/**
 * The guest shell's tokenizer: words split on blanks; 'single quotes' are literal; "double
 * quotes" allow \" and \\ escapes; a backslash outside quotes escapes the next character. It
 * reports where each word starts so completion knows what it is replacing, and an unterminated
 * quote is a usage error, never an exception out of the shell.
 */
export interface Token {
  text: string;
  /** Index in the line where the word (its opening quote, if any) starts. */
  start: number;
}

export type Tokenized =
  | { ok: true; tokens: Token[]; trailingBlank: boolean }
  | { ok: false; error: string; tokens: Token[] };

const BLANK = /[ \t\r\n]/;

export function tokenize(line: string): Tokenized {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && BLANK.test(line[i]!)) i++;
    if (i >= n) break;
    const start = i;
    let text = '';
    while (i < n && !BLANK.test(line[i]!)) {
      const c = line[i]!;
      if (c === "'") {
        const close = line.indexOf("'", i + 1);
        if (close < 0) return { ok: false, error: `unterminated ' quote at column ${i + 1}`, tokens };
        text += line.slice(i + 1, close);
        i = close + 1;
      } else if (c === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const d = line[i]!;
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          if (d === '\\' && i + 1 < n && (line[i + 1] === '"' || line[i + 1] === '\\')) {
            text += line[i + 1];
            i += 2;
            continue;
          }
          text += d;
          i++;
        }
        if (!closed) return { ok: false, error: `unterminated " quote at column ${start + 1}`, tokens };
      } else if (c === '\\') {
        if (i + 1 >= n) return { ok: false, error: 'the line ends with a lone backslash', tokens };
        text += line[i + 1];
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    tokens.push({ text, start });
  }
  return { ok: true, tokens, trailingBlank: n > 0 && BLANK.test(line[n - 1]!) };
}

/** Quotes a word for display in a command line only when it needs it. */
export function quoteWord(w: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}
