/**
 * The pooled-fund write forms: record the agreement or a variation (admin), a scheme's
 * details, spend, commitments and forecasts. Each is offered only to the roles the API lets
 * do it; the API checks again (the host's finance officer for scheme details, a partner's for
 * spend).
 */
import type { Written } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { field, h, options } from '../dom.ts';
import { todayIso, writeForm } from '../forms.ts';
import { financialYearChoices, quarterOf } from '../dates.ts';
import {
  BCF_SCHEME_TYPES,
  FUNDING_SOURCE_LABELS,
  LEGAL_BASIS_LABELS,
  OVERSPEND_POLICY_LABELS,
  SHARE_RULE_LABELS,
  UNDERSPEND_RULE_LABELS,
  agreementBody,
  basisPointsAsPercent,
  checkSplit,
  schemeBody,
  poolPaths,
  type AgreementsAnswer,
} from '../poolYear.ts';

const input = (name: string, attrs: Record<string, string> = {}) =>
  h('input', { name, type: 'text', autocomplete: 'off', ...attrs });
const amountInput = (name: string) => input(name, { inputmode: 'decimal', placeholder: '1234.50' });
const percentInput = (name: string) =>
  input(name, { inputmode: 'decimal', placeholder: '0', class: 'narrow' });
const dateInput = (name: string, value: string = todayIso()) =>
  h('input', { name, type: 'date', value });
const checkbox = (name: string, label: string, checked = false) =>
  h('label', { class: 'check' }, h('input', { type: 'checkbox', name, checked }), ` ${label}`);
const labelled = (labels: Readonly<Record<string, string>>, keys: readonly string[]) =>
  keys.map((value) => ({ value, label: labels[value] ?? value }));
const optional = (name: string, value: string) => (value === '' ? {} : { [name]: value });

export interface PoolFormHandlers {
  /** After a write: re-render, showing what the answer says (an overspend, a new commitment id). */
  readonly onWritten: (written: Written, what: { form: string; interventionId?: string }) => void;
}

export function agreementForm(
  ctx: PageContext,
  pot: PotView,
  agreements: AgreementsAnswer,
  handlers: PoolFormHandlers,
): HTMLElement {
  const partners = pot.partners.map((p) => p.agencyId);
  const current = agreements.current;
  const pctFields = partners.map((id) => `pct_${id}`);
  const capFields = partners.map((id) => `cap_${id}`);
  const partnerFieldset = (
    legend: string,
    hint: string,
    make: (id: string) => HTMLElement,
  ): HTMLElement =>
    h(
      'fieldset',
      { class: 'benefit-line' },
      h('legend', {}, legend),
      h('p', { class: 'hint' }, hint),
      ...partners.map(make),
    );
  return writeForm({
    title: current === null ? 'Record the agreement' : 'Record a variation of the agreement',
    submitLabel: current === null ? 'Record agreement' : 'Record variation',
    token: ctx.session.token,
    controls: [
      field('Reference', input('reference', { value: current?.reference ?? '' })),
      field(
        'Legal basis',
        h(
          'select',
          { name: 'legalBasis' },
          ...options(
            labelled(LEGAL_BASIS_LABELS, Object.keys(LEGAL_BASIS_LABELS)),
            current?.legalBasis,
          ),
        ),
      ),
      field('Start date', dateInput('startDate', current?.startDate ?? todayIso())),
      field('End date (optional)', dateInput('endDate', current?.endDate ?? '')),
      field(
        'Pool manager',
        input('poolManager', { value: current?.poolManager ?? '' }),
        'A name or a post, e.g. Head of Integrated Commissioning',
      ),
      field('Scope', h('textarea', { name: 'scope', rows: 3 }, current?.scope ?? '')),
      field(
        'Board decision reference',
        input('boardDecisionRef'),
        'The board minute that approved this version',
      ),
      field('Signed on', dateInput('signedOn')),
      checkbox(
        'spendTracking',
        'Track spend against scheme budgets (spend, commitments, forecasts, year-end settlement)',
        current?.spendTracking ?? true,
      ),
      field(
        'When spend would go over a scheme’s budget',
        h(
          'select',
          { name: 'policy' },
          ...options(
            labelled(OVERSPEND_POLICY_LABELS, ['warn', 'block']),
            current?.overspend.policy,
          ),
        ),
      ),
      checkbox(
        'coverFromPot',
        'Cover overspends from the pot’s unallocated stakes first',
        current?.overspend.coverFromPot ?? true,
      ),
      field(
        'How the partners share what remains of an overspend',
        h(
          'select',
          { name: 'share' },
          ...options(
            labelled(SHARE_RULE_LABELS, ['contributions', 'fixed', 'commissioner']),
            current?.overspend.share,
          ),
        ),
      ),
      partnerFieldset(
        'Fixed percentages',
        'Only for fixed percentages: each partner’s share, adding up to 100',
        (id) =>
          field(
            `${ctx.nameOf(id)} (%)`,
            Object.assign(percentInput(`pct_${id}`), {
              value:
                current?.overspend.percentages?.[id] === undefined
                  ? ''
                  : basisPointsAsPercent(current.overspend.percentages[id]),
            }),
          ),
      ),
      partnerFieldset(
        'Caps (optional)',
        'The most a partner takes of the year’s overspends; leave blank for no cap',
        (id) =>
          field(
            `${ctx.nameOf(id)} cap (£)`,
            Object.assign(amountInput(`cap_${id}`), {
              value: current?.overspend.caps?.[id] ?? '',
            }),
          ),
      ),
      field(
        'Underspend at year end',
        h(
          'select',
          { name: 'underspend' },
          ...options(
            labelled(UNDERSPEND_RULE_LABELS, ['carry-forward', 'return']),
            current?.underspend,
          ),
        ),
      ),
      field(
        'Replaces',
        h(
          'select',
          { name: 'replaces' },
          ...options(
            [
              { value: '', label: 'Nothing: this is the first agreement' },
              ...agreements.versions.map((v) => ({
                value: String(v.version),
                label: `Version ${v.version} (${v.reference}, ${v.boardDecisionRef})`,
              })),
            ],
            current === null ? '' : String(current.version),
          ),
        ),
      ),
    ],
    amountFields: capFields,
    amountRules: Object.fromEntries(capFields.map((f) => [f, { optional: true }])),
    check: (v) => {
      if (v('share') !== 'fixed') return null;
      const result = checkSplit(pctFields.map((f) => ({ field: f, text: v(f) })));
      if ('message' in result) return result;
      return result.split.length === 0
        ? { field: pctFields[0] ?? null, message: 'Enter each partner’s percentage.' }
        : null;
    },
    path: () => poolPaths.agreements(pot.potId),
    body: (v) => agreementBody(v, partners),
    onWritten: (w) => handlers.onWritten(w, { form: 'agreement' }),
  });
}

/** A form whose path names the intervention chosen in it. */
function interventionForm(
  pot: PotView,
  build: (interventionSelect: HTMLElement, chosen: () => string) => HTMLFormElement,
): HTMLFormElement {
  const select = h(
    'select',
    { name: 'interventionId' },
    ...options(pot.interventions.map((i) => ({ value: i.interventionId, label: i.name }))),
  );
  return build(field('Scheme (intervention)', select), () => select.value);
}

export function schemeForm(
  ctx: PageContext,
  pot: PotView,
  handlers: PoolFormHandlers,
): HTMLElement {
  const partners = pot.partners.map((p) => p.agencyId);
  const comFields = partners.map((id) => `com_${id}`);
  const listId = `scheme-types-${pot.potId}`;
  return interventionForm(pot, (select, chosen) =>
    writeForm({
      title: 'Record scheme details',
      submitLabel: 'Record scheme details',
      token: ctx.session.token,
      controls: [
        select,
        field(
          'Scheme type',
          input('schemeType', { list: listId }),
          'e.g. Home care or domiciliary care; Reablement in a person’s own home',
        ),
        h('datalist', { id: listId }, ...BCF_SCHEME_TYPES.map((t) => h('option', { value: t }))),
        field(
          'Funding source',
          h(
            'select',
            { name: 'fundingSource' },
            ...options(
              labelled(
                FUNDING_SOURCE_LABELS,
                Object.keys(FUNDING_SOURCE_LABELS).filter((k) => k !== 'unclassified'),
              ),
            ),
          ),
        ),
        h(
          'fieldset',
          { class: 'benefit-line' },
          h('legend', {}, 'Commissioner split'),
          h(
            'p',
            { class: 'hint' },
            'Each commissioning partner’s percentage, adding up to 100; leave all blank for the lead agency 100%',
          ),
          ...partners.map((id) => field(`${ctx.nameOf(id)} (%)`, percentInput(`com_${id}`))),
        ),
        field('Provider (optional)', input('provider')),
        checkbox('recurrent', 'Recurrent (continues beyond this year)'),
        field(
          'Expenditure',
          h(
            'select',
            { name: 'expenditure' },
            ...options([
              { value: 'revenue', label: 'Revenue' },
              { value: 'capital', label: 'Capital' },
            ]),
          ),
        ),
      ],
      amountFields: [],
      check: (v) => {
        const result = checkSplit(comFields.map((f) => ({ field: f, text: v(f) })));
        return 'message' in result ? result : null;
      },
      path: () => poolPaths.scheme(pot.potId, chosen()),
      body: (v) => schemeBody(v, partners),
      onWritten: (w) => handlers.onWritten(w, { form: 'scheme', interventionId: chosen() }),
    }),
  );
}

export function spendForm(ctx: PageContext, pot: PotView, handlers: PoolFormHandlers): HTMLElement {
  return interventionForm(pot, (select, chosen) =>
    writeForm({
      title: 'Record spend',
      submitLabel: 'Record spend',
      token: ctx.session.token,
      controls: [
        select,
        field('Amount (£)', amountInput('amount'), 'What is charged to the pot, as invoiced'),
        field('Effective date', dateInput('effectiveDate')),
        field('Supplier', input('supplier')),
        field('Invoice reference', input('invoiceRef')),
        field('VAT (£, optional)', amountInput('vat')),
        checkbox('vatRecoverable', 'The VAT is recoverable'),
        field(
          'Commitment id (optional)',
          input('commitmentId'),
          'The purchase order or contract this invoice is paid against; it releases that much of it',
        ),
      ],
      amountFields: ['amount', 'vat'],
      amountRules: { vat: { optional: true } },
      path: () => poolPaths.spend(pot.potId, chosen()),
      body: (v) => ({
        amount: v('amount'),
        effectiveDate: v('effectiveDate'),
        supplier: v('supplier'),
        invoiceRef: v('invoiceRef'),
        ...(v('vat') === ''
          ? {}
          : { vat: v('vat'), vatRecoverable: v('vatRecoverable') === 'true' }),
        ...optional('commitmentId', v('commitmentId')),
      }),
      onWritten: (w) => handlers.onWritten(w, { form: 'spend', interventionId: chosen() }),
    }),
  );
}

export function raiseCommitmentForm(
  ctx: PageContext,
  pot: PotView,
  handlers: PoolFormHandlers,
): HTMLElement {
  return interventionForm(pot, (select, chosen) =>
    writeForm({
      title: 'Raise a commitment',
      submitLabel: 'Raise commitment',
      token: ctx.session.token,
      controls: [
        select,
        field(
          'Amount (£)',
          amountInput('amount'),
          'What the order, contract or care package reserves',
        ),
        field('Effective date', dateInput('effectiveDate')),
        field(
          'Reference',
          input('reference'),
          'Purchase order, contract or care package reference',
        ),
        field('Supplier (optional)', input('supplier')),
        field('Description (optional)', h('textarea', { name: 'description', rows: 2 })),
      ],
      amountFields: ['amount'],
      path: () => poolPaths.commitments(pot.potId, chosen()),
      body: (v) => ({
        amount: v('amount'),
        effectiveDate: v('effectiveDate'),
        reference: v('reference'),
        ...optional('supplier', v('supplier')),
        ...optional('description', v('description')),
      }),
      onWritten: (w) => handlers.onWritten(w, { form: 'commitment', interventionId: chosen() }),
    }),
  );
}

export function releaseCommitmentForm(
  ctx: PageContext,
  pot: PotView,
  handlers: PoolFormHandlers,
): HTMLElement {
  return interventionForm(pot, (select, chosen) => {
    const commitment = input('commitmentId');
    return writeForm({
      title: 'Release a commitment',
      submitLabel: 'Release commitment',
      token: ctx.session.token,
      controls: [
        select,
        field('Commitment id', commitment, 'Shown when the commitment was raised'),
        field('Amount (£)', amountInput('amount'), 'How much of it no longer reserves budget'),
        field('Effective date', dateInput('effectiveDate')),
        field('Reason', input('reason')),
      ],
      amountFields: ['amount'],
      path: () => poolPaths.releaseCommitment(pot.potId, chosen(), commitment.value.trim()),
      body: (v) => ({
        amount: v('amount'),
        effectiveDate: v('effectiveDate'),
        reason: v('reason'),
      }),
      onWritten: (w) => handlers.onWritten(w, { form: 'release', interventionId: chosen() }),
    });
  });
}

export function forecastForm(
  ctx: PageContext,
  pot: PotView,
  handlers: PoolFormHandlers,
): HTMLElement {
  const today = todayIso();
  return interventionForm(pot, (select, chosen) =>
    writeForm({
      title: 'Record a forecast',
      submitLabel: 'Record forecast',
      token: ctx.session.token,
      controls: [
        select,
        field(
          'Financial year',
          h(
            'select',
            { name: 'financialYear' },
            ...options(financialYearChoices(today, 3).map((y) => ({ value: y, label: y }))),
          ),
        ),
        field(
          'Quarter',
          h(
            'select',
            { name: 'quarter' },
            ...options(
              [1, 2, 3, 4].map((q) => ({ value: String(q), label: `Quarter ${q}` })),
              String(quarterOf(today)),
            ),
          ),
        ),
        field(
          'Forecast outturn (£)',
          amountInput('forecastOutturn'),
          'What the scheme will have spent by 31 March',
        ),
        field(
          'Explanation',
          h('textarea', { name: 'explanation', rows: 2 }),
          'Required when the forecast differs from the budget',
        ),
      ],
      amountFields: ['forecastOutturn'],
      amountRules: { forecastOutturn: { allowZero: true } },
      path: () => poolPaths.forecasts(pot.potId, chosen()),
      body: (v) => ({
        financialYear: v('financialYear'),
        quarter: Number(v('quarter')),
        forecastOutturn: v('forecastOutturn'),
        ...optional('explanation', v('explanation')),
      }),
      onWritten: (w) => handlers.onWritten(w, { form: 'forecast', interventionId: chosen() }),
    }),
  );
}
