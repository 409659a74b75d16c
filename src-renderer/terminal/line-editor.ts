/**
 * The DCLI line editor: a pure state machine between a terminal's keystrokes and the guest's
 * command interpreter. Input is what xterm reports (keys, escape sequences, pasted text);
 * output is the bytes to write back and the effects to perform (run a line, ask for
 * completions). It owns the buffer, cursor, history, the completion step and the queue of
 * input that arrives while a command runs — so a multi-line paste runs line by line, each
 * line waiting for the previous one's output. The terminal component only wires xterm to it.
 *
 * Screen model: the prompt starts at column 0; prompt + buffer may wrap over several rows of
 * `cols` columns; the cursor is always left "normalised" (never in xterm's pending-wrap state).
 */

export type EditorMode = 'edit' | 'running' | 'completing';

export interface LineEditorState {
  readonly prompt: string;
  readonly cols: number;
  readonly buffer: string;
  readonly cursor: number;
  readonly history: readonly string[];
  /** Index into history while browsing with up/down; null when editing a fresh line. */
  readonly historyIndex: number | null;
  /** The line being typed before history browsing began, restored by going past the newest. */
  readonly draft: string;
  readonly mode: EditorMode;
  /** Raw input received while running or completing, replayed in order afterwards. */
  readonly pending: string;
  readonly historyLimit: number;
}

export type EditorEffect =
  | { type: 'run'; line: string }
  /** Ask for completions of `line` (the text left of the cursor). */
  | { type: 'complete'; line: string };

export interface EditorStep {
  state: LineEditorState;
  write: string;
  effects: EditorEffect[];
}

export interface CompletionResult {
  candidates: readonly string[];
  /** Where in the completed line the candidates replace text. */
  replaceFrom: number;
}

export const BELL = '\x07';
const CLEAR_SCREEN = '\x1b[H\x1b[2J';
const CLEAR_TO_END = '\x1b[J';

export function createLineEditor(opts: {
  prompt: string;
  cols?: number;
  history?: readonly string[];
  historyLimit?: number;
}): LineEditorState {
  return {
    prompt: opts.prompt,
    cols: Math.max(1, Math.floor(opts.cols ?? 80)),
    buffer: '',
    cursor: 0,
    history: opts.history ?? [],
    historyIndex: null,
    draft: '',
    mode: 'edit',
    pending: '',
    historyLimit: opts.historyLimit ?? 500,
  };
}

/** The first prompt of a fresh terminal. */
export function start(state: LineEditorState): EditorStep {
  return { state, write: state.prompt, effects: [] };
}

export function resize(state: LineEditorState, cols: number): LineEditorState {
  return { ...state, cols: Math.max(1, Math.floor(cols)) };
}

// ---------------------------------------------------------------- cursor arithmetic

/** Bytes that move the cursor from one offset (of prompt+buffer) to another. */
export function moveCursor(from: number, to: number, cols: number): string {
  if (from === to) return '';
  const rowFrom = Math.floor(from / cols);
  const rowTo = Math.floor(to / cols);
  const colFrom = from % cols;
  const colTo = to % cols;
  let out = '';
  if (rowTo < rowFrom) out += `\x1b[${rowFrom - rowTo}A`;
  else if (rowTo > rowFrom) out += `\x1b[${rowTo - rowFrom}B`;
  if (colTo < colFrom) out += `\x1b[${colFrom - colTo}D`;
  else if (colTo > colFrom) out += `\x1b[${colTo - colFrom}C`;
  return out;
}

/**
 * Redraw from the old screen to the new one: move to the first changed character, rewrite
 * the tail, clear what was longer, and put the cursor where the new state wants it.
 */
function redraw(prev: LineEditorState, next: LineEditorState): string {
  const p = next.prompt.length;
  const cols = next.cols;
  let same = 0;
  const max = Math.min(prev.buffer.length, next.buffer.length);
  while (same < max && prev.buffer[same] === next.buffer[same]) same++;
  if (same === next.buffer.length && same === prev.buffer.length) {
    return moveCursor(p + prev.cursor, p + next.cursor, cols);
  }
  let out = moveCursor(p + prev.cursor, p + same, cols);
  const tail = next.buffer.slice(same);
  out += tail;
  const end = p + next.buffer.length;
  let cleared = false;
  if (tail.length > 0 && end % cols === 0) {
    // Leave xterm's pending-wrap state: the space lands on the next row and is cleared below.
    out += ` \r${CLEAR_TO_END}`;
    cleared = true;
  }
  if (!cleared && next.buffer.length < prev.buffer.length) out += CLEAR_TO_END;
  out += moveCursor(end, p + next.cursor, cols);
  return out;
}

/** Prompt and buffer drawn from column 0 of the current row, cursor placed. */
function drawFresh(state: LineEditorState): string {
  const end = state.prompt.length + state.buffer.length;
  let out = state.prompt + state.buffer;
  if (state.buffer.length + state.prompt.length > 0 && end % state.cols === 0) out += ` \r${CLEAR_TO_END}`;
  return out + moveCursor(end, state.prompt.length + state.cursor, state.cols);
}

/** Move the cursor to the end of the line, then to a new row. */
function leaveLine(state: LineEditorState): string {
  const p = state.prompt.length;
  return `${moveCursor(p + state.cursor, p + state.buffer.length, state.cols)}\r\n`;
}

// ---------------------------------------------------------------- input parsing

type Key =
  | { kind: 'text'; text: string }
  | { kind: 'enter' }
  | { kind: 'ctrl'; char: string }
  | { kind: 'backspace' }
  | { kind: 'tab' }
  | {
      kind: 'seq';
      name: 'up' | 'down' | 'left' | 'right' | 'home' | 'end' | 'delete' | 'wordLeft' | 'wordRight';
    }
  | { kind: 'ignored' };

const CSI_NAMES: Record<string, Key> = {
  '\x1b[A': { kind: 'seq', name: 'up' },
  '\x1b[B': { kind: 'seq', name: 'down' },
  '\x1b[C': { kind: 'seq', name: 'right' },
  '\x1b[D': { kind: 'seq', name: 'left' },
  '\x1bOA': { kind: 'seq', name: 'up' },
  '\x1bOB': { kind: 'seq', name: 'down' },
  '\x1bOC': { kind: 'seq', name: 'right' },
  '\x1bOD': { kind: 'seq', name: 'left' },
  '\x1b[H': { kind: 'seq', name: 'home' },
  '\x1bOH': { kind: 'seq', name: 'home' },
  '\x1b[1~': { kind: 'seq', name: 'home' },
  '\x1b[7~': { kind: 'seq', name: 'home' },
  '\x1b[F': { kind: 'seq', name: 'end' },
  '\x1bOF': { kind: 'seq', name: 'end' },
  '\x1b[4~': { kind: 'seq', name: 'end' },
  '\x1b[8~': { kind: 'seq', name: 'end' },
  '\x1b[3~': { kind: 'seq', name: 'delete' },
  '\x1b[1;5D': { kind: 'seq', name: 'wordLeft' },
  '\x1b[1;5C': { kind: 'seq', name: 'wordRight' },
  '\x1bb': { kind: 'seq', name: 'wordLeft' },
  '\x1bf': { kind: 'seq', name: 'wordRight' },
};

const isFinalByte = (code: number) => code >= 0x40 && code <= 0x7e;

/** A CSI (`ESC [ params final`) or SS3 (`ESC O final`) sequence starting at `at`, or null. */
function escapeSequenceAt(data: string, at: number): string | null {
  const intro = data[at + 1];
  if (intro === 'O') return isFinalByte(data.charCodeAt(at + 2)) ? data.slice(at, at + 3) : null;
  if (intro !== '[') return null;
  let i = at + 2;
  while (i < data.length && /[0-9;?]/.test(data[i] as string)) i++;
  return i < data.length && isFinalByte(data.charCodeAt(i)) ? data.slice(at, i + 1) : null;
}

/** Split raw terminal input into keys; returns the key and how many characters it used. */
function nextKey(data: string, at: number): { key: Key; used: number } {
  const c = data.charCodeAt(at);
  if (c === 0x1b) {
    const seq = escapeSequenceAt(data, at);
    if (seq) return { key: CSI_NAMES[seq] ?? { kind: 'ignored' }, used: seq.length };
    const alt = data.slice(at, at + 2);
    if (alt.length === 2) return { key: CSI_NAMES[alt] ?? { kind: 'ignored' }, used: 2 };
    return { key: { kind: 'ignored' }, used: 1 };
  }
  if (c === 0x0d) return { key: { kind: 'enter' }, used: data.charCodeAt(at + 1) === 0x0a ? 2 : 1 };
  if (c === 0x0a) return { key: { kind: 'enter' }, used: 1 };
  if (c === 0x7f || c === 0x08) return { key: { kind: 'backspace' }, used: 1 };
  if (c === 0x09) return { key: { kind: 'tab' }, used: 1 };
  if (c < 0x20) return { key: { kind: 'ctrl', char: String.fromCharCode(c + 0x40) }, used: 1 };
  let end = at;
  while (end < data.length) {
    const d = data.charCodeAt(end);
    if (d < 0x20 || d === 0x7f) break;
    end++;
  }
  return { key: { kind: 'text', text: data.slice(at, end) }, used: end - at };
}

// ---------------------------------------------------------------- editing

function wordStartBefore(buffer: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && buffer[i - 1] === ' ') i--;
  while (i > 0 && buffer[i - 1] !== ' ') i--;
  return i;
}

function wordEndAfter(buffer: string, cursor: number): number {
  let i = cursor;
  while (i < buffer.length && buffer[i] === ' ') i++;
  while (i < buffer.length && buffer[i] !== ' ') i++;
  return i;
}

function edit(state: LineEditorState, buffer: string, cursor: number): LineEditorState {
  return { ...state, buffer, cursor };
}

/** Apply one key in edit mode. Returns the new state, bytes, and an effect that ends editing. */
function applyKey(
  state: LineEditorState,
  key: Key,
): { state: LineEditorState; write: string; effect?: EditorEffect } {
  const { buffer, cursor } = state;
  const redrawTo = (next: LineEditorState) => ({ state: next, write: redraw(state, next) });
  switch (key.kind) {
    case 'text':
      return redrawTo(
        edit(state, buffer.slice(0, cursor) + key.text + buffer.slice(cursor), cursor + key.text.length),
      );
    case 'backspace':
      if (cursor === 0) return { state, write: BELL };
      return redrawTo(edit(state, buffer.slice(0, cursor - 1) + buffer.slice(cursor), cursor - 1));
    case 'enter': {
      const line = buffer;
      const history =
        line.trim() !== '' && state.history[state.history.length - 1] !== line
          ? [...state.history, line].slice(-state.historyLimit)
          : state.history;
      const write = leaveLine(state);
      const fresh: LineEditorState = {
        ...state,
        buffer: '',
        cursor: 0,
        history,
        historyIndex: null,
        draft: '',
      };
      if (line.trim() === '') return { state: fresh, write: write + state.prompt };
      return { state: { ...fresh, mode: 'running' }, write, effect: { type: 'run', line } };
    }
    case 'tab':
      return {
        state: { ...state, mode: 'completing' },
        write: '',
        effect: { type: 'complete', line: buffer.slice(0, cursor) },
      };
    case 'seq':
      switch (key.name) {
        case 'left':
          return cursor === 0 ? { state, write: '' } : redrawTo(edit(state, buffer, cursor - 1));
        case 'right':
          return cursor === buffer.length ? { state, write: '' } : redrawTo(edit(state, buffer, cursor + 1));
        case 'home':
          return redrawTo(edit(state, buffer, 0));
        case 'end':
          return redrawTo(edit(state, buffer, buffer.length));
        case 'wordLeft':
          return redrawTo(edit(state, buffer, wordStartBefore(buffer, cursor)));
        case 'wordRight':
          return redrawTo(edit(state, buffer, wordEndAfter(buffer, cursor)));
        case 'delete':
          if (cursor === buffer.length) return { state, write: '' };
          return redrawTo(edit(state, buffer.slice(0, cursor) + buffer.slice(cursor + 1), cursor));
        case 'up': {
          if (state.history.length === 0 || state.historyIndex === 0) return { state, write: BELL };
          const index = state.historyIndex === null ? state.history.length - 1 : state.historyIndex - 1;
          const line = state.history[index] ?? '';
          const draft = state.historyIndex === null ? buffer : state.draft;
          return redrawTo({ ...state, buffer: line, cursor: line.length, historyIndex: index, draft });
        }
        case 'down': {
          if (state.historyIndex === null) return { state, write: BELL };
          const index = state.historyIndex + 1;
          if (index >= state.history.length) {
            return redrawTo({
              ...state,
              buffer: state.draft,
              cursor: state.draft.length,
              historyIndex: null,
              draft: '',
            });
          }
          const line = state.history[index] ?? '';
          return redrawTo({ ...state, buffer: line, cursor: line.length, historyIndex: index });
        }
      }
      return { state, write: '' };
    case 'ctrl':
      switch (key.char) {
        case 'A':
          return redrawTo(edit(state, buffer, 0));
        case 'E':
          return redrawTo(edit(state, buffer, buffer.length));
        case 'B':
          return cursor === 0 ? { state, write: '' } : redrawTo(edit(state, buffer, cursor - 1));
        case 'F':
          return cursor === buffer.length ? { state, write: '' } : redrawTo(edit(state, buffer, cursor + 1));
        case 'U':
          return redrawTo(edit(state, buffer.slice(cursor), 0));
        case 'K':
          return redrawTo(edit(state, buffer.slice(0, cursor), cursor));
        case 'W': {
          const from = wordStartBefore(buffer, cursor);
          return redrawTo(edit(state, buffer.slice(0, from) + buffer.slice(cursor), from));
        }
        case 'D':
          if (buffer.length === 0) return { state, write: BELL };
          if (cursor === buffer.length) return { state, write: '' };
          return redrawTo(edit(state, buffer.slice(0, cursor) + buffer.slice(cursor + 1), cursor));
        case 'C': {
          const write = `${leaveLine(state).replace(/\r\n$/, '')}^C\r\n${state.prompt}`;
          return { state: { ...state, buffer: '', cursor: 0, historyIndex: null, draft: '' }, write };
        }
        case 'L':
          return { state, write: CLEAR_SCREEN + drawFresh(state) };
      }
      return { state, write: '' };
    case 'ignored':
      return { state, write: '' };
  }
}

/** Consume input in edit mode until it runs out or a key starts a command/completion. */
function consume(state: LineEditorState, data: string): EditorStep {
  let s = state;
  let write = '';
  let at = 0;
  while (at < data.length) {
    if (s.mode !== 'edit') {
      s = { ...s, pending: s.pending + data.slice(at) };
      break;
    }
    const { key, used } = nextKey(data, at);
    at += used;
    const r = applyKey(s, key);
    s = r.state;
    write += r.write;
    if (r.effect) {
      s = { ...s, pending: s.pending + data.slice(at) };
      return { state: s, write, effects: [r.effect] };
    }
  }
  return { state: s, write, effects: [] };
}

/** Feed raw terminal input (one key, an escape sequence, or a whole paste). */
export function feed(state: LineEditorState, data: string): EditorStep {
  if (state.mode === 'edit') return consume(state, data);
  if (state.mode === 'running' && data.includes('\x03')) {
    // The remote line cannot be recalled, but Ctrl-C stops the rest of a paste from running.
    return { state: { ...state, pending: '' }, write: '^C', effects: [] };
  }
  return { state: { ...state, pending: state.pending + data }, write: '', effects: [] };
}

function resumePending(state: LineEditorState, write: string): EditorStep {
  const pending = state.pending;
  const resumed = consume({ ...state, mode: 'edit', pending: '' }, pending);
  return { ...resumed, write: write + resumed.write };
}

/** Normalise command output for a terminal: CRLF line ends, ending on a fresh line. */
export function toTerminalText(output: string): string {
  if (output === '') return '';
  const crlf = output.replace(/\r?\n/g, '\r\n');
  return crlf.endsWith('\r\n') ? crlf : `${crlf}\r\n`;
}

/** The running line finished: print its output, a fresh prompt, then replay queued input. */
export function commandFinished(state: LineEditorState, output: string, prompt?: string): EditorStep {
  const next: LineEditorState = { ...state, prompt: prompt ?? state.prompt };
  return resumePending(next, toTerminalText(output) + next.prompt);
}

function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let prefix = words[0] ?? '';
  for (const w of words) {
    let i = 0;
    while (i < prefix.length && i < w.length && prefix[i] === w[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix;
}

/** Lay candidates out in columns that fit the terminal width. */
export function formatCandidates(candidates: readonly string[], cols: number): string {
  const width = Math.max(...candidates.map((c) => c.length)) + 2;
  const perRow = Math.max(1, Math.floor(cols / width));
  const rows: string[] = [];
  for (let i = 0; i < candidates.length; i += perRow) {
    const row = candidates.slice(i, i + perRow);
    rows.push(row.map((c, k) => (k === row.length - 1 ? c : c.padEnd(width))).join(''));
  }
  return rows.join('\r\n');
}

/** Completions arrived for the line left of the cursor: one completes, several are listed. */
export function completionArrived(state: LineEditorState, result: CompletionResult): EditorStep {
  const edit0: LineEditorState = { ...state, mode: 'edit' };
  const { buffer, cursor } = state;
  const from = Math.max(0, Math.min(result.replaceFrom, cursor));
  const word = buffer.slice(from, cursor);
  const candidates = result.candidates;
  if (candidates.length === 0) return resumePending(edit0, BELL);
  const insertAt = (text: string): LineEditorState => ({
    ...edit0,
    buffer: buffer.slice(0, from) + text + buffer.slice(cursor),
    cursor: from + text.length,
  });
  if (candidates.length === 1) {
    const only = candidates[0] ?? '';
    const closed = /[\\/=]$/.test(only) ? only : `${only} `;
    const next = insertAt(closed);
    return resumePending(next, redraw(state, next));
  }
  const prefix = commonPrefix(candidates);
  const next = prefix.length > word.length && prefix.startsWith(word) ? insertAt(prefix) : edit0;
  const listing = `${leaveLine(state)}${formatCandidates(candidates, state.cols)}\r\n${drawFresh(next)}`;
  return resumePending(next, listing);
}
