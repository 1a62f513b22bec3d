import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvText, parseCsv } from '../../../src/util/csv.js';

describe('CSV', () => {
  it('reads quotes, doubled quotes, line breaks in cells, CRLF and blank lines, with the line each row starts on', () => {
    const rows = parseCsv('a,b\r\n"x, y","say ""hi"""\n\n"two\nlines",z\n');
    assert.deepEqual(rows, [
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"'] },
      { line: 4, cells: ['two\nlines', 'z'] },
    ]);
  });

  it('an unclosed quote is refused naming its line', () => {
    assert.throws(() => parseCsv('a\n"open\n'), /line 2: a quoted cell is not closed/);
  });

  it('a written value reads back the same, spreadsheet formulas defused on the way', () => {
    const values = ['-05:00', '=SUM(A1)', 'plain', 'with,comma', 'with "quote"'];
    const text = csvText(
      ['v'],
      values.map((v) => [v]),
    );
    assert.match(text, /'-05:00/);
    assert.deepEqual(
      parseCsv(text)
        .slice(1)
        .map((r) => r.cells[0]),
      values,
    );
  });
});
