/**
 * What every books page says about itself and lets the reader take away: "As at 7 December
 * 2026, position 1,234" (from the answer's Ledger-Position / Ledger-As-At headers, so the
 * words name the books the figures came from, not the browser's clock), a form to read the
 * books as they stood on a business date (`asAt`), and CSV and Excel downloads of a table
 * (the API makes both files; the dashboard fetches them with the token and saves the blob).
 */
import { getBlob, type BooksReading } from './api.ts';
import { formatLongDate } from './dates.ts';
import { field, h, link, showFieldError } from './dom.ts';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD (2025-02-30 is not one). */
export function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

/** "1234567" → "1,234,567": a log position is a string of digits, never a float. */
export function formatPosition(position: string): string {
  return /^\d+$/.test(position) ? position.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : position;
}

/**
 * "As at 7 December 2026, position 1,234": the date asked for, or today when none was; the
 * position the answer reflects. Without a position header it says the date alone.
 */
export function asAtText(reading: BooksReading, todayIso: string): string {
  const date = formatLongDate(reading.asAt ?? todayIso);
  return reading.position === null
    ? `As at ${date}`
    : `As at ${date}, position ${formatPosition(reading.position)}`;
}

/** `path` with `name=value` added (or replaced), keeping its other query parameters. */
export function withParam(path: string, name: string, value: string | undefined): string {
  const [base = '', search = ''] = path.split('?');
  const params = new URLSearchParams(search);
  if (value === undefined || value === '') params.delete(name);
  else params.set(name, value);
  const text = params.toString();
  return text === '' ? base : `${base}?${text}`;
}

/**
 * The "as at" line and, where the API reads the books by business date, a form to choose the
 * date: it changes the page's route (`asAt=` in the hash), so the choice survives a reload and
 * can be shared as a link.
 */
export function asAtPanel(
  reading: BooksReading,
  todayIso: string,
  options: { chooseDate: boolean; params?: URLSearchParams } = { chooseDate: false },
): HTMLElement {
  const line = h('p', { class: 'govuk-body', 'data-testid': 'as-at' }, asAtText(reading, todayIso));
  if (!options.chooseDate) return h('div', { class: 'as-at' }, line);
  const input = h('input', {
    name: 'asAt',
    type: 'text',
    inputmode: 'numeric',
    value: reading.asAt ?? '',
    autocomplete: 'off',
    class: 'govuk-input govuk-input--width-10',
  });
  const form = h(
    'form',
    { class: 'filters as-at-form', 'aria-label': 'Read the books as they stood on a date' },
    field('Books as at', input, 'For example, 2025-03-31; blank for today'),
    h('button', { type: 'submit', class: 'govuk-button govuk-button--secondary' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const asAt = input.value.trim();
    const ok = asAt === '' || isIsoDate(asAt);
    showFieldError(
      form,
      'asAt',
      ok ? null : 'Enter a real date like 2025-03-31, or leave it blank.',
    );
    if (!ok) return;
    const [route = ''] = window.location.hash.split('?');
    const params = new URLSearchParams(options.params);
    if (asAt === '') params.delete('asAt');
    else params.set('asAt', asAt);
    const search = params.toString();
    window.location.hash = search === '' ? route : `${route}?${search}`;
  });
  // Reading the past: one step back to today's books (the route without asAt).
  const [route = ''] = window.location.hash.split('?');
  const rest = new URLSearchParams(options.params);
  rest.delete('asAt');
  const today = rest.toString() === '' ? route : `${route}?${rest.toString()}`;
  return h(
    'div',
    { class: 'as-at' },
    line,
    reading.asAt === null
      ? ''
      : h('p', { class: 'govuk-body' }, link(today, 'Back to today’s books')),
    form,
  );
}

/** Blob downloads need a file name; the server's Content-Disposition names the same file. */
function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: fileName, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * "Download CSV" and "Download Excel (.xlsx)" for one API table: `path` is the JSON route (its
 * query kept, asAt included), `fileBase` the name without extension.
 */
export function tableDownloads(
  path: string,
  fileBase: string,
  token: string,
  label: string,
): HTMLElement {
  const status = h('span', { role: 'status', 'aria-live': 'polite', class: 'govuk-hint hint' });
  const buttonFor = (format: 'csv' | 'xlsx', text: string) => {
    const button = h(
      'button',
      {
        type: 'button',
        class: 'govuk-button govuk-button--secondary secondary',
        'data-download': format,
      },
      text,
      h('span', { class: 'govuk-visually-hidden' }, ` of ${label}`),
    );
    button.addEventListener('click', () => {
      button.disabled = true;
      status.textContent = `Preparing the ${format === 'csv' ? 'CSV' : 'Excel file'}…`;
      getBlob(withParam(path, 'format', format), token)
        .then((blob) => {
          saveBlob(blob, `${fileBase}.${format}`);
          status.textContent = `${format === 'csv' ? 'CSV' : 'Excel file'} downloaded.`;
        })
        .catch(
          (error: Error) => (status.textContent = `The file could not be made: ${error.message}`),
        )
        .finally(() => (button.disabled = false));
    });
    return button;
  };
  return h(
    'div',
    { class: 'govuk-button-group download' },
    buttonFor('csv', 'Download CSV'),
    buttonFor('xlsx', 'Download Excel (.xlsx)'),
    status,
  );
}
