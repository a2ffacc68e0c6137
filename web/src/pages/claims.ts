/**
 * Outcome payments (#/pots/<id>/claims): payment by results. The pot's claims against its
 * interventions' rate cards, each with its status as a GOV.UK tag, and what can be done with it
 * next: validate (a claimed claim), reject with a reason (claimed or validated), pay on a date
 * (validated). The API refuses the claimant validating or paying their own claim
 * (SEGREGATION_OF_DUTIES); each refusal is shown in plain words in the form that was sent.
 */
import { getJson } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { formatLongDate } from '../dates.ts';
import { field, h, table } from '../dom.ts';
import { todayIso, writeForm } from '../forms.ts';
import { tag } from '../govuk.ts';
import { formatGbp } from '../money.ts';
import { poolAnswer, poolHeader } from './poolFund.ts';

export type ClaimStatus = 'claimed' | 'validated' | 'paid' | 'rejected';

interface ClaimActor {
  readonly sub: string;
  readonly role: string;
  readonly agencyId?: string;
}

export interface ClaimView {
  readonly claimId: string;
  readonly interventionId: string;
  readonly contractRef: string;
  readonly code: string;
  readonly participantRef: string | null;
  readonly outcomeDate: string;
  readonly evidenceRef: string;
  readonly price: string;
  readonly status: ClaimStatus;
  readonly claimedBy: ClaimActor | null;
  readonly rejectionReason?: string | null;
  readonly paidOn?: string;
  readonly redacted?: readonly string[];
}

const STATUS_TAGS: Readonly<Record<ClaimStatus, [string, 'blue' | 'grey' | 'green' | 'red']>> = {
  claimed: ['Claimed', 'blue'],
  validated: ['Validated', 'grey'],
  paid: ['Paid', 'green'],
  rejected: ['Rejected', 'red'],
};

export const claimsPath = (potId: string) => `/v1/pots/${encodeURIComponent(potId)}/claims`;
const claimPath = (potId: string, claimId: string, action: 'validate' | 'reject' | 'pay') =>
  `${claimsPath(potId)}/${encodeURIComponent(claimId)}/${action}`;

/** Who may decide on claims: a partner's finance officer or an admin (the API checks again). */
function mayDecide(ctx: PageContext, pot: PotView): boolean {
  const { role, agency } = ctx.session.claims;
  if (role === 'admin') return true;
  return (
    role === 'finance-officer' &&
    agency !== undefined &&
    (pot.hostAgencyId === agency || pot.partners.some((p) => p.agencyId === agency))
  );
}

export async function claimsPage(
  ctx: PageContext,
  potId: string,
  after?: { claimId: string; done: string },
): Promise<void> {
  const pot = await getJson<PotView>(`/v1/pots/${encodeURIComponent(potId)}`, ctx.session.token);
  const header = poolHeader(pot, `${pot.name}: outcome payments`, 'claims');
  const answer = await poolAnswer<{ claims: ClaimView[] }>(ctx, claimsPath(potId), header);
  if (answer === null) return;
  const schemeName = (id: string) =>
    pot.interventions.find((i) => i.interventionId === id)?.name ?? id;
  const deciding = mayDecide(ctx, pot);
  const rerender = (claimId: string, done: string) => () =>
    void claimsPage(ctx, potId, { claimId, done });

  const claimant = (claim: ClaimView) =>
    claim.claimedBy === null
      ? 'Withheld'
      : `${claim.claimedBy.sub}${claim.claimedBy.agencyId === undefined ? '' : ` (${ctx.nameOf(claim.claimedBy.agencyId)})`}`;
  const statusCell = (claim: ClaimView) => {
    const [text, colour] = STATUS_TAGS[claim.status];
    const more =
      claim.status === 'paid' && claim.paidOn !== undefined
        ? ` on ${formatLongDate(claim.paidOn)}`
        : claim.status === 'rejected' && typeof claim.rejectionReason === 'string'
          ? `: ${claim.rejectionReason}`
          : '';
    return h('span', { 'data-testid': 'claim-status' }, tag(text, colour), more);
  };

  ctx.main.replaceChildren(
    ...header,
    after === undefined
      ? ''
      : h(
          'div',
          { role: 'status', 'data-testid': 'written' },
          h('p', {}, `Claim ${after.claimId} ${after.done}.`),
        ),
    h(
      'p',
      {},
      'Payment by results: a provider is paid the rate card’s price for each outcome achieved, once someone other than the claimant has checked the evidence. A paid claim is spend of its scheme.',
    ),
    h('h2', {}, 'Claims'),
    table(
      'The pot’s outcome claims, oldest first',
      ['Claim', 'Status', 'Scheme', 'Code', 'Price', 'Outcome date', 'Claimant', 'Evidence'],
      answer.claims.map((claim) => [
        claim.claimId,
        statusCell(claim),
        schemeName(claim.interventionId),
        claim.code,
        formatGbp(claim.price),
        formatLongDate(claim.outcomeDate),
        claimant(claim),
        claim.evidenceRef,
      ]),
      { numeric: [4] },
    ),
    ...(deciding ? decisions(ctx, potId, answer.claims, rerender) : []),
  );
}

function decisions(
  ctx: PageContext,
  potId: string,
  claims: readonly ClaimView[],
  rerender: (claimId: string, done: string) => () => void,
): HTMLElement[] {
  const open = claims.filter((c) => c.status === 'claimed' || c.status === 'validated');
  if (open.length === 0) return [];
  return [
    h('h2', {}, 'Decide on claims'),
    ...open.map((claim) =>
      h(
        'section',
        {
          class: 'claim-decisions',
          'data-claim': claim.claimId,
          'aria-label': `Claim ${claim.claimId}`,
        },
        h(
          'p',
          {},
          h('strong', {}, `${claim.code}, ${formatGbp(claim.price)}`),
          ` · claim ${claim.claimId} · outcome on ${formatLongDate(claim.outcomeDate)}`,
        ),
        h('div', { class: 'forms' }, ...claimForms(ctx, potId, claim, rerender)),
      ),
    ),
  ];
}

function claimForms(
  ctx: PageContext,
  potId: string,
  claim: ClaimView,
  rerender: (claimId: string, done: string) => () => void,
): HTMLElement[] {
  const token = ctx.session.token;
  const forms: HTMLElement[] = [];
  if (claim.status === 'claimed')
    forms.push(
      writeForm({
        title: `Validate claim ${claim.claimId}`,
        submitLabel: 'Validate',
        token,
        controls: [
          h(
            'p',
            { class: 'hint' },
            'You have checked the evidence. The claimant may not validate their own claim.',
          ),
        ],
        amountFields: [],
        path: () => claimPath(potId, claim.claimId, 'validate'),
        body: () => ({}),
        onWritten: rerender(claim.claimId, 'validated'),
      }),
    );
  if (claim.status === 'validated')
    forms.push(
      writeForm({
        title: `Pay claim ${claim.claimId}`,
        submitLabel: 'Pay',
        token,
        controls: [
          field(
            'Payment date',
            h('input', { name: 'effectiveDate', type: 'date', value: todayIso() }),
            'Not before the outcome date; the payment is spend in this date’s financial year',
          ),
        ],
        amountFields: [],
        path: () => claimPath(potId, claim.claimId, 'pay'),
        body: (v) => ({ effectiveDate: v('effectiveDate') }),
        onWritten: rerender(claim.claimId, `paid (${formatGbp(claim.price)})`),
      }),
    );
  forms.push(
    writeForm({
      title: `Reject claim ${claim.claimId}`,
      submitLabel: 'Reject',
      token,
      controls: [
        field(
          'Reason',
          h('textarea', { name: 'reason', rows: 2 }),
          'Why the claim is rejected, e.g. the evidence does not show the outcome',
        ),
      ],
      amountFields: [],
      check: (v) =>
        v('reason') === ''
          ? { field: 'reason', message: 'Enter why the claim is rejected.' }
          : null,
      path: () => claimPath(potId, claim.claimId, 'reject'),
      body: (v) => ({ reason: v('reason') }),
      onWritten: rerender(claim.claimId, 'rejected'),
    }),
  );
  return forms;
}
