/**
 * GOV.UK Frontend styles nothing by element name: a heading, paragraph, list, link or button
 * looks like GOV.UK only with its class. The shared builders (dom.ts, govuk.ts, forms.ts) put
 * the classes on what they make; this gives the same classes to the plain elements the pages
 * write themselves (an h2, a p, a ul, a link), as they are added to the page, so every page
 * reads in the Design System's typography without each page repeating class names.
 */
const CLASS_OF: readonly (readonly [selector: string, classes: string])[] = [
  ['h1', 'govuk-heading-l'],
  ['h2', 'govuk-heading-m'],
  ['h3', 'govuk-heading-s'],
  ['h4', 'govuk-heading-s'],
  ['p', 'govuk-body'],
  ['ul', 'govuk-list govuk-list--bullet'],
  ['ol', 'govuk-list govuk-list--number'],
  ['a', 'govuk-link'],
  ['button', 'govuk-button'],
  ['button.secondary', 'govuk-button--secondary'],
  ['input:not([type=checkbox]):not([type=radio])', 'govuk-input'],
  ['select', 'govuk-select'],
  ['textarea', 'govuk-textarea'],
  ['label:not(.check)', 'govuk-label'],
  ['fieldset', 'govuk-fieldset'],
  ['legend', 'govuk-fieldset__legend govuk-fieldset__legend--s'],
  ['.hint', 'govuk-hint'],
  ['.form-error', 'govuk-error-message'],
  ['details', 'govuk-details'],
  ['summary', 'govuk-details__summary'],
  ['code', 'potledger-code'],
];

/** Elements inside a GOV.UK component keep the component's own classes. */
const COMPONENT_CLASS = /(^| )govuk-(?!visually-hidden)/;

function style(element: Element): void {
  for (const [selector, classes] of CLASS_OF) {
    if (!element.matches(selector)) continue;
    const own = element.getAttribute('class') ?? '';
    if (COMPONENT_CLASS.test(own) && !selector.includes('.')) continue;
    // Lists and links inside component markup (summary lists, navigation, pagers) are styled by it.
    if (
      (selector === 'ul' || selector === 'ol') &&
      element.closest('nav, .govuk-summary-list, .govuk-error-summary') !== null
    )
      continue;
    element.classList.add(...classes.split(' '));
  }
}

function styleTree(root: Element): void {
  style(root);
  for (const element of root.querySelectorAll('*')) style(element);
}

/** Styles what is in `root` now and whatever is added to it later. */
export function applyGovukClasses(root: HTMLElement): void {
  styleTree(root);
  new MutationObserver((records) => {
    for (const record of records)
      for (const node of record.addedNodes) if (node instanceof Element) styleTree(node);
  }).observe(root, { childList: true, subtree: true });
}
