/** The pot page's write forms; each is offered only to roles the API lets do it. */
import type { PageContext, PotView } from '../context.ts';
import { field, h, options } from '../dom.ts';
import { todayIso, writeForm } from '../forms.ts';
import { can } from '../token.ts';

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
        onWritten,
      }),
      outcomeForm(ctx, pot, onWritten, interventionOptions),
    );
  }
  forms.push(
    writeForm({
      title: 'Reverse an entry',
      submitLabel: 'Reverse',
      token,
      controls: [
        field(
          'Event id',
          input('eventId'),
          'The event id of a contribution, allocation or outcome (shown when it was recorded, and in the audit trail)',
        ),
        field('Reason', input('reason')),
      ],
      amountFields: [],
      path: () => `${potPath}/reversals`,
      body: (v) => ({ eventId: v('eventId'), reason: v('reason') }),
      onWritten,
    }),
  );
  return forms;
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
      h('button', { type: 'button', class: 'secondary', onclick: addLine }, 'Add another benefit'),
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
    onWritten,
  });
  const currentIntervention = () =>
    (form.elements.namedItem('interventionId') as HTMLSelectElement).value;
  return form;
}
