/**
 * One guest terminal: an xterm instance wired to the pure line editor and to the API (`dcli`,
 * `dcliComplete`). Sessions live in a registry outside React so a tab keeps its xterm and
 * scrollback across re-renders and while hidden; closing the tab disposes every listener.
 */
import { FitAddon } from '@xterm/addon-fit';
import { type IDisposable, Terminal } from '@xterm/xterm';
import { type ApiClient, errorSentence } from '../api/client';
import type { XdcStore } from '../state/store';
import {
  commandFinished,
  completionArrived,
  createLineEditor,
  type EditorStep,
  feed,
  type LineEditorState,
  resize,
  start,
} from './line-editor';

const THEME = {
  background: '#0d1117',
  foreground: '#d1d7e0',
  cursor: '#7ee787',
  selectionBackground: '#264f78',
  black: '#0d1117',
  red: '#ff7b72',
  green: '#7ee787',
  yellow: '#e3b341',
  blue: '#79c0ff',
  magenta: '#d2a8ff',
  cyan: '#56d4dd',
  white: '#d1d7e0',
};

export class TerminalSession {
  readonly element: HTMLDivElement;
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  private editor: LineEditorState;
  private readonly disposables: IDisposable[] = [];
  private resizeObserver: ResizeObserver | null = null;
  private resizeTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    readonly guestId: string,
    private readonly client: ApiClient,
    private readonly store: XdcStore,
  ) {
    this.element = document.createElement('div');
    this.element.className = 'xterm-host';
    this.term = new Terminal({
      theme: THEME,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      cursorBlink: true,
      scrollback: 5000,
      convertEol: false,
    });
    this.term.loadAddon(this.fit);
    this.term.open(this.element);
    this.editor = createLineEditor({ prompt: this.prompt(), cols: this.term.cols });
    const guest = this.guest();
    this.term.writeln(
      `\x1b[2mDCLI on ${guest?.name ?? guestId} (${guestId}) · Tab completes · Ctrl-L clears\x1b[0m`,
    );
    this.apply(start(this.editor));
    this.disposables.push(this.term.onData((data) => this.apply(feed(this.editor, data))));
    this.disposables.push(
      this.term.onResize(({ cols }) => {
        this.editor = resize(this.editor, cols);
      }),
    );
    // Let the window keep its shortcuts (Ctrl+S, Ctrl+O, Ctrl+`) while the terminal has focus.
    this.term.attachCustomKeyEventHandler((e) => {
      if (!(e.ctrlKey || e.metaKey)) return true;
      const k = e.key.toLowerCase();
      return !(k === 's' || k === 'o' || k === 'n' || k === '`');
    });
  }

  private guest() {
    return this.store.getState().pool?.guests.find((g) => g.id === this.guestId);
  }

  private prompt(): string {
    return this.guest()?.prompt ?? `${this.guestId}> `;
  }

  private apply(step: EditorStep): void {
    this.editor = step.state;
    if (step.write) this.term.write(step.write);
    for (const effect of step.effects) {
      if (effect.type === 'run') void this.run(effect.line);
      else void this.complete(effect.line);
    }
  }

  private async run(line: string): Promise<void> {
    let output: string;
    try {
      const r = await this.client.dcli({ guestId: this.guestId, line });
      output =
        r.exitCode === 0
          ? r.output
          : `${r.output}${r.output.endsWith('\n') || r.output === '' ? '' : '\n'}\x1b[31mexit ${r.exitCode}\x1b[0m`;
    } catch (e) {
      output = `\x1b[31m${errorSentence(e)}\x1b[0m`;
    }
    if (this.disposed) return;
    this.apply(commandFinished(this.editor, output, this.prompt()));
  }

  private async complete(line: string): Promise<void> {
    let result: { candidates: string[]; replaceFrom: number };
    try {
      result = await this.client.dcliComplete({ guestId: this.guestId, line });
    } catch {
      result = { candidates: [], replaceFrom: line.length };
    }
    if (this.disposed) return;
    this.apply(completionArrived(this.editor, result));
  }

  /** Put the terminal into a container (again) and keep it sized to it. */
  attach(container: HTMLElement): void {
    if (this.element.parentElement !== container) container.appendChild(this.element);
    this.resizeObserver?.disconnect();
    this.resizeObserver = new ResizeObserver(() => this.scheduleFit());
    this.resizeObserver.observe(container);
    this.scheduleFit();
  }

  detach(): void {
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
  }

  private scheduleFit(): void {
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = null;
      // A hidden tab has no size; it is fitted again when shown.
      if (this.disposed || this.element.clientWidth === 0 || this.element.clientHeight === 0) return;
      this.fit.fit();
    }, 60);
  }

  focus(): void {
    this.scheduleFit();
    this.term.focus();
  }

  dispose(): void {
    this.disposed = true;
    this.detach();
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    for (const d of this.disposables) d.dispose();
    this.term.dispose();
    this.element.remove();
  }
}

/** Sessions by guest id, alive for as long as their tab is open. */
export class TerminalRegistry {
  private readonly sessions = new Map<string, TerminalSession>();

  constructor(
    private readonly client: ApiClient,
    private readonly store: XdcStore,
  ) {}

  get(guestId: string): TerminalSession {
    let s = this.sessions.get(guestId);
    if (!s) {
      s = new TerminalSession(guestId, this.client, this.store);
      this.sessions.set(guestId, s);
    }
    return s;
  }

  close(guestId: string): void {
    this.sessions.get(guestId)?.dispose();
    this.sessions.delete(guestId);
  }
}
