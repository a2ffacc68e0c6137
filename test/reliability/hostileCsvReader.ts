/**
 * A strict RFC 4180 reader for the tests: it reads back what src/export/csv.ts writes, and throws
 * on anything a lenient reader would guess at (a quote inside an unquoted field, text after a
 * closing quote, an unterminated quoted field, a bare CR or LF as a record end).
 */

export interface CsvFile {
  readonly hasBom: boolean;
  readonly records: string[][];
}

export function readCsv(text: string): CsvFile {
  const hasBom = text.startsWith('\uFEFF');
  const body = hasBom ? text.slice(1) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  if (body.length === 0) return { hasBom, records };
  for (;;) {
    let field = '';
    if (body[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= body.length) throw new SyntaxError('unterminated quoted field');
        if (body[i] === '"') {
          if (body[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += body[i];
        i += 1;
      }
    } else {
      while (i < body.length && body[i] !== ',' && body[i] !== '\r' && body[i] !== '\n') {
        if (body[i] === '"') throw new SyntaxError(`quote inside an unquoted field at ${i}`);
        field += body[i];
        i += 1;
      }
    }
    record.push(field);
    if (body[i] === ',') {
      i += 1;
      continue;
    }
    if (body.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
      if (i === body.length) return { hasBom, records };
      continue;
    }
    if (i === body.length) {
      records.push(record);
      return { hasBom, records };
    }
    throw new SyntaxError(`expected , or CRLF at ${i}, found ${JSON.stringify(body[i])}`);
  }
}
