/**
 * A tiny element builder. Text always goes in as text nodes (never innerHTML), so names and
 * reasons typed by users can never become markup; and with any bidirectional control or
 * invisible character shown as a visible <U+202E> (events/hiddenCharacters.ts), so older
 * entries holding one cannot read backwards or hide text on screen.
 */
import { revealHiddenCharacters } from '../../events/hiddenCharacters.ts';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | number | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? revealHiddenCharacters(child) : child);
  }
  return element;
}

/**
 * A GOV.UK table with a caption and proper column headers; the first cell of each row is its
 * header. Numeric columns are right-aligned in tabular figures.
 */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly Child[])[],
  options: { numeric?: readonly number[]; footer?: readonly Child[] } = {},
): HTMLElement {
  const numeric = new Set(options.numeric ?? []);
  const cellsOf = (cells: readonly Child[]) =>
    cells.map((cell, i) =>
      i === 0
        ? h('th', { scope: 'row', class: 'govuk-table__header' }, cell)
        : h(
            'td',
            {
              class: numeric.has(i)
                ? 'govuk-table__cell govuk-table__cell--numeric num'
                : 'govuk-table__cell',
            },
            cell,
          ),
    );
  // A wide table scrolls sideways inside its wrapper; keyboard users reach the scroll too.
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h(
      'table',
      { class: 'govuk-table' },
      h('caption', { class: 'govuk-table__caption govuk-table__caption--s' }, caption),
      h(
        'thead',
        { class: 'govuk-table__head' },
        h(
          'tr',
          { class: 'govuk-table__row' },
          ...headers.map((text, i) =>
            h(
              'th',
              {
                scope: 'col',
                class: numeric.has(i)
                  ? 'govuk-table__header govuk-table__header--numeric num'
                  : 'govuk-table__header',
              },
              text,
            ),
          ),
        ),
      ),
      h(
        'tbody',
        { class: 'govuk-table__body' },
        ...(rows.length === 0
          ? [
              h(
                'tr',
                { class: 'govuk-table__row' },
                h(
                  'td',
                  { class: 'govuk-table__cell', colspan: headers.length },
                  'Nothing to show.',
                ),
              ),
            ]
          : rows.map((cells) => h('tr', { class: 'govuk-table__row' }, ...cellsOf(cells)))),
      ),
      options.footer === undefined
        ? null
        : h('tfoot', {}, h('tr', { class: 'govuk-table__row total' }, ...cellsOf(options.footer))),
    ),
  );
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h('a', { href, class: 'govuk-link' }, text);
}

let fieldCounter = 0;
/** The GOV.UK Frontend class of a control: govuk-input, govuk-select or govuk-textarea. */
function controlClass(control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): string {
  if (control instanceof HTMLSelectElement) return 'govuk-select';
  if (control instanceof HTMLTextAreaElement) return 'govuk-textarea';
  return 'govuk-input';
}

/**
 * A GOV.UK form group: label, hint, a place for the error message, and the control, wired with
 * aria-describedby (the error message sits above the control, as the Design System has it).
 */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLElement {
  fieldCounter += 1;
  const id = control.id || `f${fieldCounter}`;
  control.id = id;
  control.classList.add(controlClass(control));
  const error = h('p', {
    class: 'govuk-error-message field-error',
    id: `${id}-error`,
    hidden: true,
  });
  const hintEl =
    hint === undefined ? null : h('div', { class: 'govuk-hint hint', id: `${id}-hint` }, hint);
  control.setAttribute(
    'aria-describedby',
    [hintEl === null ? '' : `${id}-hint`, `${id}-error`].join(' ').trim(),
  );
  return h(
    'div',
    { class: 'govuk-form-group field', 'data-field': control.name },
    h('label', { class: 'govuk-label', for: id }, label),
    hintEl,
    error,
    control,
  );
}

/** Shows (or, with null, clears) a field's error message in GOV.UK style: red bar, red border. */
export function showFieldError(container: HTMLElement, name: string, message: string | null): void {
  const wrapper = container.querySelector<HTMLElement>(`[data-field="${name}"]`);
  if (wrapper === null) return;
  const error = wrapper.querySelector<HTMLElement>('.field-error')!;
  const control = wrapper.querySelector<HTMLElement>('input, select, textarea')!;
  const errorClass = `${[...control.classList].find((c) => /^govuk-(input|select|textarea)$/.test(c)) ?? 'govuk-input'}--error`;
  error.replaceChildren(
    ...(message === null
      ? []
      : [h('span', { class: 'govuk-visually-hidden' }, 'Error: '), message]),
  );
  error.hidden = message === null;
  wrapper.classList.toggle('govuk-form-group--error', message !== null);
  control.classList.toggle(errorClass, message !== null);
  if (message === null) control.removeAttribute('aria-invalid');
  else control.setAttribute('aria-invalid', 'true');
}

export function options(
  values: readonly { value: string; label: string }[],
  selected?: string,
): HTMLOptionElement[] {
  return values.map((v) =>
    h('option', { value: v.value, selected: v.value === selected }, v.label),
  );
}
