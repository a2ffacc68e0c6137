/** The audit trail for auditors: filterable, paged, and downloadable as CSV. */
import { getBlob, getJson, query } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { field, h, options, table } from '../dom.ts';

/** Entries per page: a screenful to read; the CSV has them all. */
export const AUDIT_PAGE_SIZE = 25;
const FILTERS = ['potId', 'agencyId', 'actor', 'from', 'to'] as const;

interface AuditEntry {
  readonly position: string;
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
    h('button', { type: 'submit' }, 'Filter'),
  );
  const formValues = () =>
    Object.fromEntries(
      FILTERS.map((f) => [f, (form.elements.namedItem(f) as HTMLInputElement).value.trim()]),
    );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.location.hash = `#/audit${query(formValues())}`;
  });

  const status = h('p', { role: 'status', 'aria-live': 'polite' });
  const download = h('button', { type: 'button', class: 'secondary' }, 'Download CSV');
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

  const pageLink = (list: string[]) => `#/audit${query({ ...filters, cursors: list.join(',') })}`;
  ctx.main.replaceChildren(
    h('h1', {}, 'Audit trail'),
    form,
    h('p', {}, download),
    status,
    table(
      `Audit entries, page ${cursors.length + 1}`,
      ['Position', 'Recorded', 'Effective', 'Actor', 'Summary', 'Reason'],
      page.entries.map((e) => [
        e.position,
        e.recordedAt.replace('T', ' ').slice(0, 19),
        e.effectiveDate ?? '',
        `${e.actor.sub} (${e.actor.role}${e.actor.agencyId === undefined ? '' : `, ${e.actor.agencyId}`})`,
        e.summary,
        e.reason ?? '',
      ]),
    ),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Audit pages' },
      cursors.length > 0
        ? h('a', { href: pageLink(cursors.slice(0, -1)) }, '← Previous page')
        : null,
      page.nextCursor !== null
        ? h('a', { href: pageLink([...cursors, page.nextCursor]) }, 'Next page →')
        : null,
    ),
  );
}
