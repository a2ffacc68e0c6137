/**
 * The audit trail for auditors: filterable, paged, and downloadable as CSV (which keeps every
 * entry, amounts included). On screen, one line per entry a person reads: when, what, how much,
 * who and its event id; the ledger's own bookkeeping (idempotency-key claims) is counted, not
 * listed, unless asked for.
 */
import { getBlob, getJson, query } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { formatLongDate, formatLongDateTime } from '../dates.ts';
import { field, h, options, table } from '../dom.ts';
import { formatGbp } from '../money.ts';

/** Entries per page: a screenful to read; the CSV has them all. */
export const AUDIT_PAGE_SIZE = 25;
const FILTERS = ['potId', 'agencyId', 'actor', 'from', 'to'] as const;
/** Entries the ledger writes for itself, not for a person: kept in the CSV, counted on screen. */
const PLUMBING_TYPES: ReadonlySet<string> = new Set(['IdempotencyKeyClaimed']);

interface AuditEntry {
  readonly position: string;
  readonly eventId: string;
  readonly amount?: string;
  readonly type: string;
  readonly recordedAt: string;
  readonly effectiveDate?: string;
  readonly actor: { sub: string; role: string; agencyId?: string };
  readonly summary: string;
  readonly reason?: string;
  readonly potId?: string;
}

export async function auditPage(ctx: PageContext): Promise<void> {
  const token = ctx.session.token;
  const filters = Object.fromEntries(FILTERS.map((f) => [f, ctx.params.get(f) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  // Earlier pages' cursors travel in the URL, so Back and Previous both work.
  const cursors = (ctx.params.get('cursors') ?? '').split(',').filter((c) => c !== '');
  const cursor = cursors[cursors.length - 1];
  const showPlumbing = ctx.params.get('plumbing') === '1';
  const [{ pots }, page] = await Promise.all([
    getJson<{ pots: PotView[] }>('/v1/pots', token),
    getJson<{ entries: AuditEntry[]; nextCursor: string | null }>(
      `/v1/audit${query({ ...filters, cursor, limit: String(AUDIT_PAGE_SIZE) })}`,
      token,
    ),
  ]);

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter the audit trail' },
    field(
      'Pot',
      h(
        'select',
        { name: 'potId' },
        ...options(
          [
            { value: '', label: 'All pots' },
            ...pots.map((p) => ({ value: p.potId, label: p.name })),
          ],
          filters.potId,
        ),
      ),
    ),
    field(
      'Agency',
      h(
        'select',
        { name: 'agencyId' },
        ...options(
          [
            { value: '', label: 'All agencies' },
            ...ctx.agencies.map((a) => ({ value: a.agencyId, label: a.name })),
          ],
          filters.agencyId,
        ),
      ),
    ),
    field(
      'Actor',
      h('input', { name: 'actor', type: 'text', value: filters.actor, autocomplete: 'off' }),
      'The user name in the token, e.g. alice',
    ),
    field('From', h('input', { name: 'from', type: 'date', value: filters.from })),
    field('To', h('input', { name: 'to', type: 'date', value: filters.to })),
    h(
      'div',
      { class: 'govuk-checkboxes govuk-checkboxes--small potledger-filter-check' },
      h(
        'div',
        { class: 'govuk-checkboxes__item' },
        h('input', {
          class: 'govuk-checkboxes__input',
          id: 'audit-plumbing',
          name: 'plumbing',
          type: 'checkbox',
          checked: showPlumbing,
        }),
        h(
          'label',
          { class: 'govuk-label govuk-checkboxes__label check', for: 'audit-plumbing' },
          'Show bookkeeping entries',
        ),
      ),
    ),
    h('button', { type: 'submit', class: 'govuk-button' }, 'Filter'),
  );
  const formValues = () => ({
    ...Object.fromEntries(
      FILTERS.map((f) => [f, (form.elements.namedItem(f) as HTMLInputElement).value.trim()]),
    ),
    plumbing: (form.elements.namedItem('plumbing') as HTMLInputElement).checked ? '1' : '',
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.location.hash = `#/audit${query(formValues())}`;
  });

  const status = h('p', { role: 'status', 'aria-live': 'polite' });
  const download = h(
    'button',
    { type: 'button', class: 'govuk-button govuk-button--secondary' },
    'Download CSV',
  );
  download.addEventListener('click', () => {
    download.disabled = true;
    status.textContent = 'Preparing the CSV…';
    getBlob(`/v1/audit/export.csv${query(filters)}`, token)
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: 'potledger-audit.csv', hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        status.textContent = 'CSV downloaded.';
      })
      .catch((error: Error) => (status.textContent = `The CSV could not be made: ${error.message}`))
      .finally(() => (download.disabled = false));
  });

  const pageLink = (list: string[]) =>
    `#/audit${query({ ...filters, plumbing: showPlumbing ? '1' : '', cursors: list.join(',') })}`;
  const shown = showPlumbing
    ? page.entries
    : page.entries.filter((e) => !PLUMBING_TYPES.has(e.type));
  const hidden = page.entries.length - shown.length;
  ctx.main.replaceChildren(
    h('h1', {}, 'Audit trail'),
    form,
    h('div', { class: 'govuk-button-group' }, download, status),
    hidden === 0
      ? ''
      : h(
          'p',
          { 'data-testid': 'plumbing-hidden' },
          `${hidden} bookkeeping ${hidden === 1 ? 'entry' : 'entries'} (idempotency-key claims) on this page ${hidden === 1 ? 'is' : 'are'} not listed; the CSV has every entry.`,
        ),
    // Dates stacked in one column and the event id under the summary: the summary keeps room
    // to read on one or two lines, and nothing an auditor scans down wraps.
    table(
      `Audit entries, page ${cursors.length + 1}`,
      ['Position', 'When', 'What happened', 'Amount', 'Who'],
      shown.map((e) => [
        e.position,
        h(
          'div',
          {},
          h('div', { class: 'potledger-nowrap' }, formatLongDateTime(e.recordedAt)),
          e.effectiveDate === undefined
            ? ''
            : h(
                'div',
                { class: 'potledger-nowrap potledger-secondary' },
                `effective ${formatLongDate(e.effectiveDate)}`,
              ),
        ),
        h(
          'div',
          {},
          h('div', { class: 'potledger-summary' }, e.summary),
          h('div', { class: 'potledger-id', 'data-event-id': e.eventId }, `Event id ${e.eventId}`),
        ),
        e.amount === undefined ? '' : formatGbp(e.amount),
        h(
          'div',
          {},
          h('div', { class: 'potledger-nowrap' }, `${e.actor.sub} (${e.actor.role})`),
          e.actor.agencyId === undefined
            ? ''
            : h('div', { class: 'potledger-secondary' }, ctx.nameOf(e.actor.agencyId)),
        ),
      ]),
      { numeric: [3] },
    ),
    h(
      'nav',
      { class: 'govuk-pagination', 'aria-label': 'Audit pages' },
      cursors.length > 0
        ? h(
            'div',
            { class: 'govuk-pagination__prev' },
            h(
              'a',
              {
                class: 'govuk-link govuk-pagination__link',
                href: pageLink(cursors.slice(0, -1)),
                rel: 'prev',
              },
              h('span', { class: 'govuk-pagination__link-title' }, 'Previous page'),
            ),
          )
        : null,
      page.nextCursor !== null
        ? h(
            'div',
            { class: 'govuk-pagination__next' },
            h(
              'a',
              {
                class: 'govuk-link govuk-pagination__link',
                href: pageLink([...cursors, page.nextCursor]),
                rel: 'next',
              },
              h('span', { class: 'govuk-pagination__link-title' }, 'Next page'),
            ),
          )
        : null,
    ),
  );
}
