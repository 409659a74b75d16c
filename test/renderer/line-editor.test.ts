import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  commandFinished,
  completionArrived,
  createLineEditor,
  type EditorEffect,
  type EditorStep,
  feed,
  type LineEditorState,
  start,
} from '../../src-renderer/terminal/line-editor';
import { VirtualScreen } from './virtual-screen';

const KEY = {
  left: '\x1b[D',
  right: '\x1b[C',
  up: '\x1b[A',
  down: '\x1b[B',
  home: '\x1b[H',
  end: '\x1b[F',
  del: '\x1b[3~',
  bs: '\x7f',
  enter: '\r',
  tab: '\t',
  ctrlA: '\x01',
  ctrlC: '\x03',
  ctrlE: '\x05',
  ctrlK: '\x0b',
  ctrlL: '\x0c',
  ctrlU: '\x15',
  ctrlW: '\x17',
};

/** A terminal session in a test: the editor plus the screen its bytes draw on. */
class Session {
  state: LineEditorState;
  readonly screen: VirtualScreen;
  readonly effects: EditorEffect[] = [];
  promptRow = 0;

  constructor(prompt = 'C:\\>', cols = 80, history: string[] = []) {
    this.state = createLineEditor({ prompt, cols, history });
    this.screen = new VirtualScreen(cols);
    this.apply(start(this.state));
  }

  apply(step: EditorStep): void {
    this.state = step.state;
    this.screen.write(step.write);
    this.effects.push(...step.effects);
  }

  type(...keys: string[]): this {
    for (const k of keys) this.apply(feed(this.state, k));
    return this;
  }

  /** What the current input line shows: the rows from the prompt's row to the cursor's. */
  currentLine(): string {
    const last =
      this.promptRow + Math.floor((this.state.prompt.length + this.state.buffer.length) / this.state.cols);
    return this.screen.text(this.promptRow, last);
  }

  cursorOffset(): number {
    return (this.screen.row - this.promptRow) * this.state.cols + this.screen.col;
  }

  runs(): string[] {
    return this.effects.flatMap((e) => (e.type === 'run' ? [e.line] : []));
  }
}

describe('typing and editing a DCLI line', () => {
  it('typing a command and pressing Enter runs exactly that line', () => {
    const s = new Session();
    s.type('dcli lun list', KEY.enter);
    expect(s.runs()).toEqual(['dcli lun list']);
    expect(s.screen.lines()[0]).toBe('C:\\>dcli lun list');
    expect(s.state.mode).toBe('running');
  });

  it('left, home, end, backspace and delete edit the middle of the line', () => {
    const s = new Session('root@g4:~# ');
    s.type('dcli snap lst');
    s.type(KEY.left, KEY.left, 'i'); // snap lit -> "snap list"? insert before "st"
    expect(s.state.buffer).toBe('dcli snap list');
    s.type(KEY.home, KEY.del, 'D');
    expect(s.state.buffer).toBe('Dcli snap list');
    s.type(KEY.end, KEY.bs, KEY.bs, 'st');
    expect(s.state.buffer).toBe('Dcli snap list');
    expect(s.currentLine()).toBe('root@g4:~# Dcli snap list');
    expect(s.cursorOffset()).toBe('root@g4:~# '.length + s.state.cursor);
  });

  it('Ctrl-A / Ctrl-E jump, Ctrl-K and Ctrl-U cut, Ctrl-W deletes the word before the cursor', () => {
    const s = new Session();
    s.type('snapshot create --volume vol1');
    s.type(KEY.ctrlW);
    expect(s.state.buffer).toBe('snapshot create --volume ');
    s.type(KEY.ctrlA);
    expect(s.state.cursor).toBe(0);
    s.type(KEY.ctrlE);
    expect(s.state.cursor).toBe(s.state.buffer.length);
    for (let i = 0; i < 10; i++) s.type(KEY.left);
    s.type(KEY.ctrlK);
    expect(s.state.buffer).toBe('snapshot create');
    s.type(KEY.left, KEY.left, KEY.ctrlU);
    expect(s.state.buffer).toBe('te');
    expect(s.state.cursor).toBe(0);
    expect(s.currentLine()).toBe('C:\\>te');
  });

  it('backspace at the start of the line rings the bell and changes nothing', () => {
    const s = new Session();
    s.type(KEY.bs);
    expect(s.screen.bells).toBe(1);
    expect(s.state.buffer).toBe('');
  });

  it('an empty Enter prints a new prompt without running anything', () => {
    const s = new Session();
    s.type(KEY.enter, '   ', KEY.enter);
    expect(s.runs()).toEqual([]);
    expect(s.screen.lines()).toEqual(['C:\\>', 'C:\\>', 'C:\\>']);
  });
});

describe('history', () => {
  it('up recalls older lines, down goes forward and finally restores the line being typed', () => {
    const s = new Session('C:\\>', 80, ['lun list', 'app list']);
    s.type('snap');
    s.type(KEY.up);
    expect(s.state.buffer).toBe('app list');
    s.type(KEY.up);
    expect(s.state.buffer).toBe('lun list');
    s.type(KEY.up);
    expect(s.screen.bells).toBe(1);
    s.type(KEY.down);
    expect(s.state.buffer).toBe('app list');
    s.type(KEY.down);
    expect(s.state.buffer).toBe('snap');
    expect(s.currentLine()).toBe('C:\\>snap');
  });

  it('each run line joins the history once, consecutive duplicates are not repeated', () => {
    const s = new Session();
    s.type('lun list', KEY.enter);
    s.apply(commandFinished(s.state, 'LUN 0'));
    s.promptRow = s.screen.row;
    s.type('lun list', KEY.enter);
    s.apply(commandFinished(s.state, 'LUN 0'));
    expect(s.state.history).toEqual(['lun list']);
  });
});

describe('Ctrl-C and Ctrl-L', () => {
  it('Ctrl-C abandons the line, prints ^C and a fresh prompt, runs nothing', () => {
    const s = new Session();
    s.type('snapshot delete everything', KEY.left, KEY.left, KEY.ctrlC);
    expect(s.runs()).toEqual([]);
    expect(s.state.buffer).toBe('');
    expect(s.screen.lines()).toEqual(['C:\\>snapshot delete everything^C', 'C:\\>']);
  });

  it('Ctrl-L clears the screen and redraws the prompt with the line being edited', () => {
    const s = new Session();
    s.type('one', KEY.enter);
    s.apply(commandFinished(s.state, 'out 1\nout 2\n'));
    s.type('lun li', KEY.left, KEY.ctrlL);
    expect(s.screen.lines()).toEqual(['C:\\>lun li']);
    expect(s.screen.row).toBe(0);
    expect(s.screen.col).toBe('C:\\>lun l'.length);
  });
});

describe('tab completion', () => {
  it('asks for completions of the text left of the cursor, and one candidate completes with a space', () => {
    const s = new Session();
    s.type('snapshot cr', KEY.tab);
    expect(s.effects.at(-1)).toEqual({ type: 'complete', line: 'snapshot cr' });
    expect(s.state.mode).toBe('completing');
    s.apply(completionArrived(s.state, { candidates: ['create'], replaceFrom: 9 }));
    expect(s.state.buffer).toBe('snapshot create ');
    expect(s.currentLine()).toBe('C:\\>snapshot create');
    expect(s.state.mode).toBe('edit');
  });

  it('several candidates are listed under the line and their common prefix is inserted', () => {
    const s = new Session('C:\\>', 40);
    s.type('app ', KEY.tab);
    s.apply(completionArrived(s.state, { candidates: ['SG1', 'SG2', 'Sales'], replaceFrom: 4 }));
    expect(s.state.buffer).toBe('app S');
    const lines = s.screen.lines();
    expect(lines[0]).toBe('C:\\>app');
    expect(lines[1]).toMatch(/^SG1\s+SG2\s+Sales$/);
    expect(lines[2]).toBe('C:\\>app S');
  });

  it('no candidate rings the bell; keys typed while completing are applied afterwards, in order', () => {
    const s = new Session();
    s.type('xyz', KEY.tab, 'ab');
    expect(s.state.buffer).toBe('xyz');
    s.apply(completionArrived(s.state, { candidates: [], replaceFrom: 0 }));
    expect(s.screen.bells).toBe(1);
    expect(s.state.buffer).toBe('xyzab');
  });
});

describe('running lines and pasting several', () => {
  it('output is printed with CRLF and followed by a prompt', () => {
    const s = new Session();
    s.type('lun list', KEY.enter);
    s.apply(commandFinished(s.state, 'LUN  VDI\n0    vol-sys'));
    expect(s.screen.lines()).toEqual(['C:\\>lun list', 'LUN  VDI', '0    vol-sys', 'C:\\>']);
  });

  it('a pasted block runs line by line, each line only after the previous finished', () => {
    const s = new Session();
    s.type('lun list\rapp list\r\nsnapshot list\npartial');
    expect(s.runs()).toEqual(['lun list']);
    s.apply(commandFinished(s.state, 'luns'));
    expect(s.runs()).toEqual(['lun list', 'app list']);
    s.apply(commandFinished(s.state, 'apps'));
    expect(s.runs()).toEqual(['lun list', 'app list', 'snapshot list']);
    s.apply(commandFinished(s.state, 'snaps'));
    expect(s.runs()).toHaveLength(3);
    expect(s.state.mode).toBe('edit');
    expect(s.state.buffer).toBe('partial');
    expect(s.screen.lines()).toEqual([
      'C:\\>lun list',
      'luns',
      'C:\\>app list',
      'apps',
      'C:\\>snapshot list',
      'snaps',
      'C:\\>partial',
    ]);
  });

  it('Ctrl-C while a pasted block runs stops the lines not yet started', () => {
    const s = new Session();
    s.type('one\rtwo\rthree\r');
    s.type(KEY.ctrlC);
    s.apply(commandFinished(s.state, 'done one'));
    expect(s.runs()).toEqual(['one']);
    expect(s.state.mode).toBe('edit');
  });
});

describe('long lines that wrap', () => {
  it('editing in the middle of a wrapped line keeps the screen equal to prompt + buffer', () => {
    const s = new Session('C:\\>', 10);
    s.type('abcdefghijklmnopqrstuv');
    for (let i = 0; i < 12; i++) s.type(KEY.left);
    s.type('XY', KEY.bs, KEY.del);
    expect(s.currentLine()).toBe(`C:\\>${s.state.buffer}`);
    expect(s.cursorOffset()).toBe(4 + s.state.cursor);
  });

  it('property: any sequence of editing keys leaves the screen showing the prompt and buffer, cursor in place', () => {
    const keyArb = fc.oneof(
      fc.constantFrom(KEY.left, KEY.right, KEY.home, KEY.end, KEY.del, KEY.bs, KEY.ctrlA, KEY.ctrlE),
      fc.constantFrom(KEY.ctrlK, KEY.ctrlU, KEY.ctrlW, KEY.up, KEY.down, '\x1b[1;5D', '\x1b[1;5C'),
      fc.stringMatching(/^[a-z ]{1,7}$/),
    );
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 17 }), fc.array(keyArb, { maxLength: 40 }), (cols, keys) => {
        const s = new Session('g1> ', cols, ['lun list', 'a much longer history entry here']);
        for (const k of keys) {
          s.type(k);
          expect(s.currentLine()).toBe(`g1> ${s.state.buffer}`.trimEnd());
          expect(s.cursorOffset()).toBe(4 + s.state.cursor);
        }
      }),
      { numRuns: 150 },
    );
  });
});
