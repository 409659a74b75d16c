/**
 * A minimal terminal screen for tests: enough of xterm's behaviour (autowrap with pending wrap,
 * CR/LF, cursor moves, erase in display/line, clear screen) to check that the bytes the line
 * editor writes leave on screen exactly what the user should see.
 */
export class VirtualScreen {
  readonly rows: string[][];
  row = 0;
  col = 0;
  private wrapPending = false;
  bells = 0;

  constructor(
    readonly cols: number,
    readonly height = 200,
  ) {
    this.rows = Array.from({ length: height }, () => this.blank());
  }

  private blank(): string[] {
    return Array.from({ length: this.cols }, () => ' ');
  }

  private lineFeed(): void {
    if (this.row === this.height - 1) {
      this.rows.shift();
      this.rows.push(this.blank());
    } else this.row++;
  }

  write(data: string): void {
    let i = 0;
    while (i < data.length) {
      const ch = data[i] as string;
      if (ch === '\x1b') {
        // ESC is matched by the caller; the regex only sees what follows it.
        const m = /^\[([0-9;]*)([A-Za-z])/.exec(data.slice(i + 1));
        if (!m) throw new Error(`unsupported escape at ${JSON.stringify(data.slice(i, i + 8))}`);
        this.csi(m[1] ?? '', m[2] ?? '');
        i += m[0].length + 1;
        continue;
      }
      i++;
      if (ch === '\r') {
        this.col = 0;
        this.wrapPending = false;
      } else if (ch === '\n') {
        this.lineFeed();
        this.wrapPending = false;
      } else if (ch === '\x07') this.bells++;
      else if (ch >= ' ') {
        if (this.wrapPending) {
          this.col = 0;
          this.lineFeed();
          this.wrapPending = false;
        }
        (this.rows[this.row] as string[])[this.col] = ch;
        if (this.col === this.cols - 1) this.wrapPending = true;
        else this.col++;
      } else throw new Error(`unexpected control byte ${ch.charCodeAt(0)}`);
    }
  }

  private csi(params: string, final: string): void {
    const n = Math.max(1, Number.parseInt(params || '1', 10));
    this.wrapPending = false;
    switch (final) {
      case 'A':
        this.row = Math.max(0, this.row - n);
        break;
      case 'B':
        this.row = Math.min(this.height - 1, this.row + n);
        break;
      case 'C':
        this.col = Math.min(this.cols - 1, this.col + n);
        break;
      case 'D':
        this.col = Math.max(0, this.col - n);
        break;
      case 'H':
        this.row = 0;
        this.col = 0;
        break;
      case 'K':
        for (let c = this.col; c < this.cols; c++) (this.rows[this.row] as string[])[c] = ' ';
        break;
      case 'J':
        if (params === '2') {
          for (let r = 0; r < this.height; r++) this.rows[r] = this.blank();
        } else {
          for (let c = this.col; c < this.cols; c++) (this.rows[this.row] as string[])[c] = ' ';
          for (let r = this.row + 1; r < this.height; r++) this.rows[r] = this.blank();
        }
        break;
      default:
        throw new Error(`unsupported CSI ${final}`);
    }
  }

  /** The text of rows from..to joined as if unwrapped, trailing blanks trimmed. */
  text(fromRow: number, toRow: number): string {
    return this.rows
      .slice(fromRow, toRow + 1)
      .map((r) => r.join(''))
      .join('')
      .trimEnd();
  }

  /** Visible lines, trailing blanks trimmed, trailing empty lines dropped. */
  lines(): string[] {
    const out = this.rows.map((r) => r.join('').trimEnd());
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }
}
