/**
 * GOV.UK Design System patterns the pooled-fund pages use, drawn with the dashboard's own
 * element builder and styles: warning text, tags, summary lists, and a CSV download button
 * (the API wants the bearer token, so the file is fetched and saved rather than linked).
 */
import { getBlob } from './api.ts';
import { h } from './dom.ts';

/** GOV.UK warning text: an icon, a visually hidden "Warning", and the text in bold. */
export function warningText(text: string, attrs: Record<string, string> = {}): HTMLElement {
  return h(
    'div',
    { class: 'govuk-warning-text', ...attrs },
    h('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
    h(
      'strong',
      { class: 'govuk-warning-text__text' },
      h('span', { class: 'visually-hidden' }, 'Warning: '),
      text,
    ),
  );
}

/** A GOV.UK tag: "Overspending" (red), "Agrees" (green), "Preview" (grey). */
export function tag(text: string, colour: 'red' | 'green' | 'grey' | 'blue' = 'blue'): HTMLElement {
  return h('strong', { class: `govuk-tag govuk-tag--${colour}` }, text);
}

/** A GOV.UK summary list: key and value rows. */
export function summaryList(
  rows: readonly (readonly [string, string | Node])[],
  attrs: Record<string, string> = {},
): HTMLElement {
  return h(
    'dl',
    { class: 'govuk-summary-list', ...attrs },
    ...rows.map(([key, value]) =>
      h(
        'div',
        { class: 'govuk-summary-list__row' },
        h('dt', { class: 'govuk-summary-list__key' }, key),
        h('dd', { class: 'govuk-summary-list__value' }, value),
      ),
    ),
  );
}

/** A "Download CSV" button that fetches `path` with the token and saves it as `fileName`. */
export function csvDownload(path: string, fileName: string, token: string): HTMLElement {
  const status = h('span', { role: 'status', 'aria-live': 'polite', class: 'hint' });
  const button = h('button', { type: 'button', class: 'secondary' }, 'Download CSV');
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = 'Preparing the CSV…';
    getBlob(path, token)
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: fileName, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        status.textContent = 'CSV downloaded.';
      })
      .catch((error: Error) => (status.textContent = `The CSV could not be made: ${error.message}`))
      .finally(() => (button.disabled = false));
  });
  return h('p', { class: 'download' }, button, ' ', status);
}
