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

/** A table with a caption and proper column headers; the first cell of each row is its header. */
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
        ? h('th', { scope: 'row' }, cell)
        : h('td', { class: numeric.has(i) ? 'num' : undefined }, cell),
    );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...headers.map((text, i) =>
            h('th', { scope: 'col', class: numeric.has(i) ? 'num' : undefined }, text),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...(rows.length === 0
          ? [h('tr', {}, h('td', { colspan: headers.length }, 'Nothing to show.'))]
          : rows.map((cells) => h('tr', {}, ...cellsOf(cells)))),
      ),
      options.footer === undefined
        ? null
        : h('tfoot', {}, h('tr', { class: 'total' }, ...cellsOf(options.footer))),
    ),
  );
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h('a', { href }, text);
}

let fieldCounter = 0;
/** A labelled control with a place for its error message, wired with aria-describedby. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLElement {
  fieldCounter += 1;
  const id = control.id || `f${fieldCounter}`;
  control.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
  const hintEl = hint === undefined ? null : h('p', { class: 'hint', id: `${id}-hint` }, hint);
  control.setAttribute(
    'aria-describedby',
    [hintEl === null ? '' : `${id}-hint`, `${id}-error`].join(' ').trim(),
  );
  return h(
    'div',
    { class: 'field', 'data-field': control.name },
    h('label', { for: id }, label),
    hintEl,
    control,
    error,
  );
}

export function showFieldError(container: HTMLElement, name: string, message: string | null): void {
  const wrapper = container.querySelector<HTMLElement>(`[data-field="${name}"]`);
  if (wrapper === null) return;
  const error = wrapper.querySelector<HTMLElement>('.field-error')!;
  const control = wrapper.querySelector<HTMLElement>('input, select, textarea')!;
  error.textContent = message ?? '';
  error.hidden = message === null;
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
