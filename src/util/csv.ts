/**
 * RFC 4180 CSV for the admin port's exports and imports. A written cell is quoted when it holds a comma, quote or line
 * break; a leading = + - @ is defused with a ' for spreadsheets, and the reader takes that ' off again, so an export
 * imports back unchanged.
 */

export function csvCell(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header and rows, CRLF line ends. */
export function csvText(
  columns: readonly string[],
  rows: readonly (readonly (string | number | boolean | undefined)[])[],
) {
  return `${[columns.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n')}\r\n`;
}

export interface CsvRow {
  /** The line the row starts on, from 1 (the header is line 1). */
  line: number;
  cells: string[];
}

/** Parses CSV text; throws with the line number on an unterminated quote. Blank lines are skipped. */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endCell = () => {
    cells.push(/^'[=+\-@]/.test(cell) ? cell.slice(1) : cell);
    cell = '';
  };
  const endRow = () => {
    endCell();
    if (cells.length > 1 || cells[0] !== '') rows.push({ line: rowLine, cells });
    cells = [];
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      rowLine = ++line;
    } else cell += c;
  }
  if (quoted) throw new Error(`line ${rowLine}: a quoted cell is not closed`);
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}
