/**
 * GOV.UK Design System components (govuk-frontend's markup and classes, styled by its CSS) built
 * with the dashboard's element builder: warning text, tags, summary lists, notification
 * banners, error summaries, details, buttons, and a CSV download button (the API wants the
 * bearer token, so the file is fetched and saved rather than linked).
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
      h('span', { class: 'govuk-visually-hidden' }, 'Warning: '),
      text,
    ),
  );
}

/** A GOV.UK tag: "Overspending" (red), "Agrees" (green), "Preview" (grey). */
export function tag(text: string, colour: 'red' | 'green' | 'grey' | 'blue' = 'blue'): HTMLElement {
  return h('strong', { class: `govuk-tag govuk-tag--${colour}` }, text);
}

/** A GOV.UK button; `secondary` and `warning` are the Design System's other two kinds. */
export function button(
  text: string,
  kind: 'primary' | 'secondary' | 'warning' = 'primary',
  attrs: Record<string, string | boolean | ((event: Event) => void)> = {},
): HTMLButtonElement {
  const kindClass =
    kind === 'primary' ? '' : ` govuk-button--${kind}${kind === 'secondary' ? ' secondary' : ''}`;
  return h(
    'button',
    { type: 'button', class: `govuk-button${kindClass}`, 'data-module': 'govuk-button', ...attrs },
    text,
  );
}

/** GOV.UK details: a summary line that opens to show more (here, the server's own words). */
export function details(summary: string, ...content: (Node | string)[]): HTMLDetailsElement {
  return h(
    'details',
    { class: 'govuk-details' },
    h(
      'summary',
      { class: 'govuk-details__summary' },
      h('span', { class: 'govuk-details__summary-text' }, summary),
    ),
    h('div', { class: 'govuk-details__text' }, ...content),
  );
}

let bannerCounter = 0;
/**
 * A GOV.UK notification banner: `success` (green, role alert) for what was just recorded, or
 * the neutral one (blue) for what is waiting on someone else.
 */
export function notificationBanner(
  title: string,
  heading: string,
  content: readonly Node[],
  options: { success?: boolean; attrs?: Record<string, string> } = {},
): HTMLElement {
  bannerCounter += 1;
  const titleId = `banner-title-${bannerCounter}`;
  return h(
    'div',
    {
      class: `govuk-notification-banner${options.success === true ? ' govuk-notification-banner--success' : ''}`,
      role: options.success === true ? 'alert' : 'region',
      'aria-labelledby': titleId,
      ...options.attrs,
    },
    h(
      'div',
      { class: 'govuk-notification-banner__header' },
      h('h2', { class: 'govuk-notification-banner__title', id: titleId }, title),
    ),
    h(
      'div',
      { class: 'govuk-notification-banner__content' },
      h('p', { class: 'govuk-notification-banner__heading' }, heading),
      ...content,
    ),
  );
}

/**
 * A GOV.UK error summary: "There is a problem" and one line per problem, each a link to its
 * field when it has one. Hidden until `show`; focused when shown, as the Design System asks.
 */
export function errorSummary(): {
  element: HTMLElement;
  show: (items: readonly { text: string; fieldId?: string }[], extra?: Node) => void;
  clear: () => void;
} {
  const list = h('ul', { class: 'govuk-list govuk-error-summary__list' });
  const extraSlot = h('div');
  const element = h(
    'div',
    { class: 'govuk-error-summary', tabindex: '-1', hidden: true },
    h(
      'div',
      { role: 'alert' },
      h('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
      h('div', { class: 'govuk-error-summary__body' }, list, extraSlot),
    ),
  );
  return {
    element,
    show(items, extra) {
      list.replaceChildren(
        ...items.map((item) => {
          if (item.fieldId === undefined) return h('li', { class: 'form-error' }, item.text);
          const a = h('a', { href: `#${item.fieldId}` }, item.text);
          // The route lives in the hash: move focus to the field instead of following the link.
          a.addEventListener('click', (event) => {
            event.preventDefault();
            document.getElementById(item.fieldId!)?.focus();
          });
          return h('li', {}, a);
        }),
      );
      extraSlot.replaceChildren(...(extra === undefined ? [] : [extra]));
      element.hidden = false;
      element.focus();
    },
    clear() {
      list.replaceChildren();
      extraSlot.replaceChildren();
      element.hidden = true;
    },
  };
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
  const status = h('span', { role: 'status', 'aria-live': 'polite', class: 'govuk-hint hint' });
  const button = h(
    'button',
    { type: 'button', class: 'govuk-button govuk-button--secondary secondary' },
    'Download CSV',
  );
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
  return h('div', { class: 'govuk-button-group download' }, button, status);
}
