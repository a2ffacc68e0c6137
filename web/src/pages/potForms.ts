/**
 * The pot page's write forms; each is offered only to roles the API lets do it, and each leaves
 * a receipt of what it recorded. Reversals are made from the entries list (potEntries.ts).
 */
import type { Written } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { formatLongDate } from '../dates.ts';
import { field, h, options } from '../dom.ts';
import { todayIso, writeForm, type FormValues } from '../forms.ts';
import { formatGbp } from '../money.ts';
import type { Receipt } from '../receipts.ts';
import { can } from '../token.ts';
import { outcomeByQuantityForm } from './outcomeQuantityForm.ts';
import { fundingSharesText } from './potEntries.ts';

const input = (name: string, attrs: Record<string, string> = {}) =>
  h('input', { name, type: 'text', autocomplete: 'off', ...attrs });
const amountInput = (name: string) => input(name, { inputmode: 'decimal', placeholder: '1234.50' });
const dateInput = (name: string) => h('input', { name, type: 'date', value: todayIso() });

export function moneyForms(
  ctx: PageContext,
  pot: PotView,
  reload: (position: string) => void,
): HTMLElement[] {
  const { token, claims } = ctx.session;
  const potPath = `/v1/pots/${pot.potId}`;
  const onWritten = (written: { position: string }) => reload(written.position);
  const partnerOptions = pot.partners.map((p) => ({
    value: p.agencyId,
    label: ctx.nameOf(p.agencyId),
  }));
  const interventionOptions = () =>
    options(pot.interventions.map((i) => ({ value: i.interventionId, label: i.name })));
  const forms: HTMLElement[] = [];

  if (can.contribute(claims) && claims.agency !== undefined) {
    forms.push(
      writeForm({
        title: `Contribute from ${ctx.nameOf(claims.agency)}`,
        submitLabel: 'Contribute',
        token,
        controls: [
          field('Amount (£)', amountInput('amount')),
          field('Effective date', dateInput('effectiveDate')),
          field('Reference', input('reference'), 'Your payment or journal reference'),
        ],
        amountFields: ['amount'],
        path: () => `${potPath}/contributions`,
        body: (v) => ({
          agencyId: claims.agency,
          amount: v('amount'),
          effectiveDate: v('effectiveDate'),
          reference: v('reference'),
        }),
        receipt: (written, v) => ({
          heading: `Contribution of ${formatGbp(v('amount'))} recorded`,
          rows: [
            ['From', ctx.nameOf(claims.agency!)],
            ['Amount', formatGbp(v('amount'))],
            ['Effective date', formatLongDate(v('effectiveDate'))],
            ['Reference', v('reference')],
            ['Contribution id', String(written.contributionId)],
            ['Event id', written.eventId],
          ],
        }),
        onWritten,
      }),
    );
  }
  forms.push(
    writeForm({
      title: 'Define an intervention',
      submitLabel: 'Define intervention',
      token,
      controls: [
        field('Name', input('name')),
        field(
          'Lead agency',
          h('select', { name: 'leadAgencyId' }, ...options(partnerOptions, claims.agency)),
        ),
        field('Description (optional)', h('textarea', { name: 'description', rows: 2 })),
      ],
      amountFields: [],
      path: () => `${potPath}/interventions`,
      body: (v) => ({
        name: v('name'),
        leadAgencyId: v('leadAgencyId'),
        ...(v('description') === '' ? {} : { description: v('description') }),
      }),
      receipt: (written, v) => ({
        heading: `Intervention “${v('name')}” defined`,
        rows: [
          ['Lead agency', ctx.nameOf(v('leadAgencyId'))],
          ['Intervention id', String(written.interventionId)],
          ['Event id', written.eventId],
        ],
      }),
      onWritten,
    }),
  );
  if (pot.interventions.length > 0) {
    forms.push(
      writeForm({
        title: 'Allocate to an intervention',
        submitLabel: 'Allocate',
        token,
        controls: [
          field('Intervention', h('select', { name: 'interventionId' }, ...interventionOptions())),
          field(
            'Amount (£)',
            amountInput('amount'),
            'Drawn from the partners in proportion to their unallocated stakes',
          ),
          field('Effective date', dateInput('effectiveDate')),
          field('Reason', input('reason')),
        ],
        amountFields: ['amount'],
        path: () => `${potPath}/allocations`,
        body: (v) => ({
          interventionId: v('interventionId'),
          amount: v('amount'),
          effectiveDate: v('effectiveDate'),
          reason: v('reason'),
        }),
        receipt: (written, v) => allocationReceipt(ctx, pot, written, v),
        onWritten,
      }),
      outcomeForm(ctx, pot, onWritten, interventionOptions),
      outcomeByQuantityForm(ctx, pot, onWritten, interventionOptions),
    );
  }
  return forms;
}

/** Made at once (with its funding shares), or only requested: at or above the threshold. */
function allocationReceipt(
  ctx: PageContext,
  pot: PotView,
  written: Written,
  v: FormValues,
): Receipt {
  const intervention =
    pot.interventions.find((i) => i.interventionId === v('interventionId'))?.name ??
    v('interventionId');
  const amount = formatGbp(v('amount'));
  const rows: [string, string | Node][] = [
    ['Intervention', intervention],
    ['Amount', amount],
    ['Effective date', formatLongDate(v('effectiveDate'))],
    ['Reason', v('reason')],
  ];
  if (written.status === 'pending-approval') {
    const threshold = pot.approvalThreshold ?? null;
    const window = written.rollingWindow as { days: number; allocatedInWindow: string } | undefined;
    const why =
      written.approvalReason === 'rolling' && window !== undefined
        ? `With what you allocated to this intervention in the last ${window.days} days (${formatGbp(window.allocatedInWindow)}), it reaches the pot’s approval threshold${threshold === null ? '' : ` of ${formatGbp(threshold)}`}.`
        : `It is at or above the pot’s approval threshold${threshold === null ? '' : ` of ${formatGbp(threshold)}`}.`;
    return {
      heading: `Allocation of ${amount} to ${intervention} is waiting for approval`,
      pending: {
        explanation: `${why} No money has moved yet: another partner’s finance officer, or an admin, must approve it under Pending approvals below. You cannot approve your own request.`,
      },
      rows: [
        ...rows,
        ['Allocation id', String(written.allocationId)],
        ['Event id', written.eventId],
      ],
    };
  }
  const shares = (written.fundingShares ?? []) as { agencyId: string; amount: string }[];
  return {
    heading: `Allocation of ${amount} to ${intervention} recorded`,
    rows: [
      ...rows,
      ['Drawn from', fundingSharesText(ctx, shares)],
      ['Allocation id', String(written.allocationId)],
      ['Event id', written.eventId],
    ],
  };
}

function outcomeForm(
  ctx: PageContext,
  pot: PotView,
  onWritten: (w: { position: string }) => void,
  interventionOptions: () => HTMLOptionElement[],
): HTMLElement {
  let lines = 0;
  const lineList = h('div', { class: 'benefit-lines' });
  const agencyOptions = ctx.agencies.map((a) => ({ value: a.agencyId, label: a.name }));
  const addLine = () => {
    lines += 1;
    lineList.append(
      h(
        'fieldset',
        { class: 'benefit-line' },
        h('legend', {}, `Benefit ${lines}`),
        field(
          'Agency whose budget benefits',
          h('select', { name: `agencyId${lines}` }, ...options(agencyOptions)),
        ),
        field('Amount (£)', amountInput(`amount${lines}`)),
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: `cashable${lines}` }),
          ' Cashable (a real saving in that budget)',
        ),
      ),
    );
  };
  addLine();
  const form = writeForm({
    title: 'Record an outcome',
    submitLabel: 'Record outcome',
    token: ctx.session.token,
    controls: [
      field('Intervention', h('select', { name: 'interventionId' }, ...interventionOptions())),
      field('Description', h('textarea', { name: 'description', rows: 2 })),
      field('Effective date', dateInput('effectiveDate')),
      field('Evidence reference (optional)', input('evidenceRef')),
      lineList,
      h(
        'button',
        {
          type: 'button',
          class: 'govuk-button govuk-button--secondary secondary',
          onclick: addLine,
        },
        'Add another benefit',
      ),
    ],
    amountFields: [],
    path: () =>
      `/v1/pots/${pot.potId}/interventions/${encodeURIComponent(currentIntervention())}/outcomes`,
    body: (v) => ({
      description: v('description'),
      effectiveDate: v('effectiveDate'),
      ...(v('evidenceRef') === '' ? {} : { evidenceRef: v('evidenceRef') }),
      benefits: Array.from({ length: lines }, (_, i) => ({
        agencyId: v(`agencyId${i + 1}`),
        amount: v(`amount${i + 1}`),
        cashable: v(`cashable${i + 1}`) === 'true',
      })),
    }),
    receipt: (written, v) => {
      const flows = (written.flows ?? []) as {
        fromAgencyId: string;
        toAgencyId: string;
        amount: string;
        cashable: boolean;
      }[];
      return {
        heading: `Outcome recorded: ${v('description')}`,
        rows: [
          ['Effective date', formatLongDate(v('effectiveDate'))],
          [
            'Benefit flows',
            h(
              'ul',
              { class: 'govuk-list' },
              ...flows.map((f) =>
                h(
                  'li',
                  {},
                  `${ctx.nameOf(f.fromAgencyId)} → ${ctx.nameOf(f.toAgencyId)}: ${formatGbp(f.amount)}${f.cashable ? ' (cashable)' : ''}`,
                ),
              ),
            ),
          ],
          ['Outcome id', String(written.outcomeId)],
          ['Event id', written.eventId],
        ],
      };
    },
    onWritten,
  });
  const currentIntervention = () =>
    (form.elements.namedItem('interventionId') as HTMLSelectElement).value;
  return form;
}
