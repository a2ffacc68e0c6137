/**
 * The pot's entries a finance officer corrects, and the allocations waiting for a second
 * person. A contribution, allocation or outcome is reversed from its own row, with a reason
 * (never by typing an event id); a request at or above the four-eyes threshold is approved or
 * rejected from its row, and a refusal (approving your own request) is said in words.
 */
import { ApiError, getJson, query, type Written } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { formatLongDate } from '../dates.ts';
import { field, h, table } from '../dom.ts';
import { writeForm } from '../forms.ts';
import { details, tag } from '../govuk.ts';
import { formatGbp } from '../money.ts';

/** Audit entries read per request (the API's page limit). */
const ENTRY_PAGE_SIZE = 1000;
/** At most this many pages: a pot with more entries lists its first ones and says so. */
const MAX_ENTRY_PAGES = 5;

const REVERSIBLE: Readonly<Record<string, string>> = {
  ContributionReceived: 'Contribution',
  FundsAllocated: 'Allocation',
  OutcomeRecorded: 'Outcome',
};

interface EntryView {
  readonly eventId: string;
  readonly type: string;
  readonly effectiveDate?: string;
  readonly recordedAt: string;
  readonly summary: string;
  readonly amount?: string;
  readonly reversedEventId?: string;
  readonly actor: { readonly sub: string };
}

type Reload = (position: string) => void;

/** Approving your own request: what it means on this page, in words. */
const SELF_APPROVAL =
  'You asked for this allocation, so you cannot approve it yourself. Another partner’s finance officer or an admin must approve it; you can withdraw it with Reject.';

export function fundingSharesText(
  ctx: PageContext,
  shares: readonly { agencyId: string; amount: string }[],
): HTMLElement {
  return h(
    'ul',
    { class: 'govuk-list' },
    ...shares.map((s) => h('li', {}, `${ctx.nameOf(s.agencyId)}: ${formatGbp(s.amount)}`)),
  );
}

/** The four-eyes requests of the pot, with Approve and Reject for those who may decide. */
export function pendingApprovals(
  ctx: PageContext,
  pot: PotView,
  reload: Reload,
  mayDecide: boolean,
): HTMLElement {
  const threshold = pot.approvalThreshold ?? null;
  const pending = pot.pendingApprovals ?? [];
  const interventionName = (id: unknown) =>
    pot.interventions.find((i) => i.interventionId === id)?.name ?? String(id);
  const requester = (who: unknown) => {
    if (who === null || who === undefined) return 'withheld';
    const actor = who as { sub: string; agencyId?: string };
    return actor.agencyId === undefined
      ? actor.sub
      : `${actor.sub} (${ctx.nameOf(actor.agencyId)})`;
  };
  return h(
    'section',
    { 'aria-labelledby': 'approvals-heading', 'data-testid': 'pending-approvals' },
    h('h2', { id: 'approvals-heading' }, 'Pending approvals'),
    h(
      'p',
      { class: 'govuk-inset-text', 'data-testid': 'threshold' },
      threshold === null
        ? 'This pot has no approval threshold: every allocation is made at once.'
        : `Allocations of ${formatGbp(threshold)} or more need a second person: another partner’s finance officer, or an admin, approves them before any money moves. The person who asked cannot approve their own.`,
    ),
    pending.length === 0
      ? h('p', {}, 'No allocation is waiting for approval.')
      : table(
          'Allocations waiting for approval',
          ['Intervention', 'Amount', 'Date', 'Requested by', 'Reason'],
          pending.map((a) => [
            interventionName(a.interventionId),
            formatGbp(String(a.amount)),
            h('span', { class: 'potledger-nowrap' }, formatLongDate(String(a.effectiveDate))),
            requester(a.requestedBy),
            a.reason === null ? 'withheld' : String(a.reason ?? ''),
          ]),
          { numeric: [1] },
        ),
    ...(mayDecide ? pending.map((a) => decisionForms(ctx, pot, a, interventionName, reload)) : []),
  );
}

function decisionForms(
  ctx: PageContext,
  pot: PotView,
  request: Readonly<Record<string, unknown>>,
  interventionName: (id: unknown) => string,
  reload: Reload,
): HTMLElement {
  const allocationId = String(request.allocationId);
  const what = `${formatGbp(String(request.amount))} to ${interventionName(request.interventionId)}`;
  const path = `/v1/pots/${pot.potId}/allocations/${encodeURIComponent(allocationId)}`;
  const token = ctx.session.token;
  const onWritten = (written: Written) => reload(written.position);
  const approve = writeForm({
    title: `Approve ${what}`,
    hideTitle: true,
    submitLabel: 'Approve',
    token,
    controls: [],
    amountFields: [],
    path: () => `${path}/approve`,
    body: () => ({}),
    refusals: { SEGREGATION_OF_DUTIES: SELF_APPROVAL },
    receipt: (written) => ({
      heading: `Allocation approved: ${what}`,
      rows: [
        ['Drawn from', fundingSharesText(ctx, (written.fundingShares ?? []) as FundingShares)],
        ['Event id', written.eventId],
      ],
    }),
    onWritten,
  });
  const reject = writeForm({
    title: `Reject ${what}`,
    hideTitle: true,
    submitLabel: 'Reject',
    buttonClass: 'govuk-button--warning',
    token,
    controls: [field('Reason for rejecting', h('input', { name: 'reason', type: 'text' }))],
    amountFields: [],
    path: () => `${path}/reject`,
    body: (v) => ({ reason: v('reason') }),
    receipt: (written, v) => ({
      heading: `Allocation request rejected: ${what}`,
      rows: [
        ['Reason', v('reason')],
        ['Event id', written.eventId],
      ],
    }),
    onWritten,
  });
  return h(
    'div',
    { class: 'potledger-decision', 'data-allocation-id': allocationId },
    h('h3', {}, `Decide: ${what}`),
    h('div', { class: 'potledger-decision__forms' }, approve, reject),
  );
}

type FundingShares = readonly { agencyId: string; amount: string }[];

/**
 * The pot's contributions, allocations and outcomes, newest first, each with Reverse (and a
 * reason) unless it has been reversed already. Read from the pot's audit trail, which a
 * partner's finance officer and an admin may read; for anyone else the section says so.
 */
export async function entriesSection(
  ctx: PageContext,
  pot: PotView,
  reload: Reload,
): Promise<HTMLElement> {
  const heading = h('h2', { id: 'entries-heading' }, 'Entries');
  const section = (...content: (Node | string)[]) =>
    h(
      'section',
      { 'aria-labelledby': 'entries-heading', 'data-testid': 'entries' },
      heading,
      ...content,
    );
  let entries: EntryView[];
  let complete: boolean;
  try {
    ({ entries, complete } = await readEntries(ctx, pot));
  } catch (error) {
    if (error instanceof ApiError && error.problem.code === 'FORBIDDEN')
      return section(
        h('p', {}, 'Only finance officers of the pot’s partners, and admins, see its entries.'),
      );
    throw error;
  }
  const reversed = new Set(
    entries.flatMap((e) => (e.reversedEventId === undefined ? [] : [e.reversedEventId])),
  );
  // The event id and the Reverse action sit under what was recorded, so the summary keeps room.
  const rows = entries
    .filter((e) => e.type in REVERSIBLE)
    .reverse()
    .map((e) => [
      h('span', { class: 'potledger-nowrap' }, formatLongDate(e.effectiveDate ?? e.recordedAt)),
      h(
        'span',
        {},
        REVERSIBLE[e.type]!,
        reversed.has(e.eventId) ? h('br') : '',
        reversed.has(e.eventId) ? tag('Reversed', 'grey') : '',
      ),
      h(
        'div',
        {},
        h('div', { class: 'potledger-summary' }, e.summary),
        h('div', { class: 'potledger-id', 'data-event-id': e.eventId }, `Event id ${e.eventId}`),
        reversed.has(e.eventId) ? '' : reverseForm(ctx, pot, e, reload),
      ),
      e.amount === undefined ? '' : formatGbp(e.amount),
    ]);
  return section(
    h(
      'p',
      {},
      'A mistake is never deleted: reverse the entry, with a reason, and the reversal is recorded beside it.',
    ),
    complete
      ? ''
      : h(
          'p',
          {},
          `Only the first ${ENTRY_PAGE_SIZE * MAX_ENTRY_PAGES} entries of the pot are listed.`,
        ),
    table(
      'Contributions, allocations and outcomes, newest first',
      ['Date', 'Entry', 'What was recorded', 'Amount'],
      rows,
      { numeric: [3] },
    ),
  );
}

async function readEntries(
  ctx: PageContext,
  pot: PotView,
): Promise<{ entries: EntryView[]; complete: boolean }> {
  const entries: EntryView[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_ENTRY_PAGES; page += 1) {
    const answer = await getJson<{ entries: EntryView[]; nextCursor: string | null }>(
      `/v1/audit${query({ potId: pot.potId, minPosition: pot.position, cursor, limit: String(ENTRY_PAGE_SIZE) })}`,
      ctx.session.token,
    );
    entries.push(...answer.entries);
    if (answer.nextCursor === null) return { entries, complete: true };
    cursor = answer.nextCursor;
  }
  return { entries, complete: false };
}

function reverseForm(
  ctx: PageContext,
  pot: PotView,
  entry: EntryView,
  reload: Reload,
): HTMLElement {
  const kind = REVERSIBLE[entry.type]!.toLowerCase();
  const amount = entry.amount === undefined ? '' : ` of ${formatGbp(entry.amount)}`;
  const date = formatLongDate(entry.effectiveDate ?? entry.recordedAt);
  const form = writeForm({
    title: `Reverse the ${kind}${amount} dated ${date}`,
    hideTitle: true,
    submitLabel: 'Reverse',
    buttonClass: 'govuk-button--warning',
    token: ctx.session.token,
    controls: [field('Reason for reversing', h('input', { name: 'reason', type: 'text' }))],
    amountFields: [],
    path: () => `/v1/pots/${pot.potId}/reversals`,
    body: (v) => ({ eventId: entry.eventId, reason: v('reason') }),
    receipt: (written, v) => ({
      heading: `Reversed: the ${kind}${amount} dated ${date}`,
      rows: [
        ['What was reversed', entry.summary],
        ...(typeof written.amount === 'string'
          ? [['Amount undone', formatGbp(written.amount)] as const]
          : []),
        ['Reason', v('reason')],
        ['Reversal event id', written.eventId],
        ['Reversed event id', entry.eventId],
      ],
    }),
    onWritten: (written) => reload(written.position),
  });
  return details('Reverse this entry', form);
}
