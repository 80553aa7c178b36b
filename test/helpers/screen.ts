/**
 * A small terminal emulator for tests: feed it what a program wrote to a terminal and read the
 * screen a person would see. It implements what our output and ora use (printable text with
 * deferred auto-wrap at `columns`, CR, LF, BS, cursor up/down/forward/back and to a column, erase
 * in line and in display); colours and private modes (cursor visibility, synchronized output)
 * are accepted and ignored. Lines scrolled off the top are kept: `lines()` is the whole history.
 */
export class Screen {
  private readonly rows: string[][] = [[]];
  private row = 0;
  private col = 0;
  /** The cursor sits past the last column: the next printable character wraps first. */
  private pendingWrap = false;
  /** Rows that a wrap started (a line the program wrote that did not fit). */
  readonly wrapped = new Set<number>();

  readonly columns: number;

  constructor(columns: number) {
    this.columns = columns;
  }

  write(data: string): void {
    for (let i = 0; i < data.length; i++) {
      const ch = data[i]!;
      if (ch === '\u001b') {
        i = this.escape(data, i);
        continue;
      }
      if (ch === '\r') {
        this.col = 0;
        this.pendingWrap = false;
      } else if (ch === '\n') {
        this.lineFeed();
      } else if (ch === '\b') {
        this.col = Math.max(0, this.col - 1);
        this.pendingWrap = false;
      } else if (ch >= ' ') {
        this.print(ch);
      }
    }
  }

  /** Every line written so far (trailing spaces removed), top to bottom. */
  lines(): string[] {
    const out = this.rows.map((cells) => cells.join('').replace(/\s+$/, ''));
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  text(): string {
    return this.lines().join('\n');
  }

  /**
   * The lines as the program wrote them: a row the terminal wrapped is joined back to its start,
   * with the row before it whole (a space in its last column is part of the line).
   */
  logicalLines(): string[] {
    const out: string[] = [];
    this.rows.forEach((cells, row) => {
      const text = cells.join('');
      if (this.wrapped.has(row) && out.length > 0) out[out.length - 1] += text;
      else out.push(text);
    });
    const lines = out.map((line) => line.replace(/\s+$/, ''));
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  private line(): string[] {
    while (this.rows.length <= this.row) this.rows.push([]);
    return this.rows[this.row]!;
  }

  private print(ch: string): void {
    if (this.pendingWrap) {
      this.lineFeed();
      this.wrapped.add(this.row);
    }
    const cells = this.line();
    while (cells.length < this.col) cells.push(' ');
    cells[this.col] = ch;
    if (this.col === this.columns - 1) this.pendingWrap = true;
    else this.col += 1;
  }

  private lineFeed(): void {
    this.row += 1;
    this.col = 0;
    this.pendingWrap = false;
    this.line();
  }

  /** Parse one escape sequence starting at `start`; returns the index of its last character. */
  private escape(data: string, start: number): number {
    const next = data[start + 1];
    if (next !== '[') return start + 1; // ESC x (two-character sequences): ignored
    let end = start + 2;
    while (end < data.length && !/[\x40-\x7e]/.test(data[end]!)) end++;
    const params = data.slice(start + 2, end);
    const final = data[end];
    if (params.startsWith('?')) return end; // private modes (cursor shown/hidden, synchronized output)
    const n = (fallback: number) => (params === '' ? fallback : Number(params.split(';')[0]) || fallback);
    this.pendingWrap = false;
    switch (final) {
      case 'A':
        this.row = Math.max(0, this.row - n(1));
        break;
      case 'B':
        this.row += n(1);
        this.line();
        break;
      case 'C':
        this.col = Math.min(this.columns - 1, this.col + n(1));
        break;
      case 'D':
        this.col = Math.max(0, this.col - n(1));
        break;
      case 'G':
        this.col = Math.min(this.columns - 1, n(1) - 1);
        break;
      case 'K': {
        const cells = this.line();
        const mode = n(0);
        if (mode === 0) cells.length = Math.min(cells.length, this.col);
        else if (mode === 1) for (let c = 0; c <= this.col && c < cells.length; c++) cells[c] = ' ';
        else cells.length = 0;
        break;
      }
      case 'J': {
        const mode = n(0);
        if (mode === 0) {
          this.line().length = Math.min(this.line().length, this.col);
          this.rows.length = this.row + 1;
        } else if (mode === 2 || mode === 3) {
          for (const cells of this.rows) cells.length = 0;
        }
        break;
      }
      default:
        // SGR (colours) and anything else: no effect on the text.
        break;
    }
    return end;
  }
}
