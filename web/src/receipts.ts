/**
 * Receipts: what a write recorded, shown in a GOV.UK notification banner above the page. It
 * lives outside the page's own element, so the page's re-render after the write (new figures)
 * keeps it; it goes when the user moves to another page or records something else.
 */
import { h } from './dom.ts';
import { notificationBanner, summaryList } from './govuk.ts';

export interface Receipt {
  readonly heading: string;
  /** Key and value rows: what was recorded, its id, its shares or flows. */
  readonly rows: readonly (readonly [string, string | Node])[];
  /** Not "Success" but "Waiting for approval": a request that has not moved money yet. */
  readonly pending?: { readonly explanation: string };
}

let shownForRoute: string | null = null;

function slot(): HTMLElement | null {
  return document.getElementById('receipts');
}

function routePath(): string {
  return window.location.hash.split('?')[0] ?? '';
}

export function showReceipt(receipt: Receipt): void {
  const place = slot();
  if (place === null) return;
  shownForRoute = routePath();
  const rows = summaryList(receipt.rows, { 'data-testid': 'receipt-details' });
  const banner =
    receipt.pending === undefined
      ? notificationBanner('Success', receipt.heading, [rows], {
          success: true,
          attrs: { 'data-testid': 'receipt' },
        })
      : notificationBanner(
          'Waiting for approval',
          receipt.heading,
          [h('p', { class: 'govuk-body' }, receipt.pending.explanation), rows],
          { attrs: { 'data-testid': 'receipt', role: 'alert' } },
        );
  place.replaceChildren(banner);
}

/** Called on every navigation: a receipt stays on the page it was made on, and only there. */
export function forgetReceiptUnlessOn(path: string): void {
  if (shownForRoute !== null && shownForRoute !== path) {
    shownForRoute = null;
    slot()?.replaceChildren();
  }
}
