/**
 * Record outcomes by quantity: choose unit-cost lines from the catalogue (GET /v1/unit-costs),
 * enter how many units, and see the benefits they come to, and which partner receives each
 * part, before sending (outcomeLines.ts values them with the ledger's rule). The receipt shows
 * the valued lines and the benefit flows the ledger computed.
 */
import { getJson, type Written } from '../api.ts';
import type { PageContext, PotView } from '../context.ts';
import { formatLongDate } from '../dates.ts';
import { field, h, options, showFieldError, table } from '../dom.ts';
import { todayIso, writeForm, type FormValues } from '../forms.ts';
import { formatGbp } from '../money.ts';
import {
  kindsToChoose,
  previewLine,
  previewTotals,
  quantityProblem,
  type LinePreview,
  type PartnerKind,
  type QuantityLineInput,
  type UnitCostEntry,
} from '../outcomeLines.ts';

/** Lines one form sends; the ledger takes more, but a longer outcome is clearer split up. */
const MAX_FORM_LINES = 20;

export function outcomeByQuantityForm(
  ctx: PageContext,
  pot: PotView,
  onWritten: (w: Written) => void,
  interventionOptions: () => HTMLOptionElement[],
): HTMLElement {
  const holder = h(
    'div',
    { class: 'outcome-quantity' },
    h('p', { role: 'status', class: 'govuk-body' }, 'Loading the unit-cost catalogue…'),
  );
  getJson<{ unitCosts: UnitCostEntry[] }>('/v1/unit-costs', ctx.session.token)
    .then(({ unitCosts }) =>
      holder.replaceChildren(
        unitCosts.length === 0
          ? h(
              'div',
              {},
              h('h3', { class: 'govuk-heading-s' }, 'Record outcomes by quantity'),
              h(
                'p',
                {},
                'The unit-cost catalogue is empty. An admin loads it (npx potledger unit-costs import) before outcomes can be recorded by quantity.',
              ),
            )
          : buildForm(ctx, pot, onWritten, interventionOptions, unitCosts),
      ),
    )
    .catch((error: Error) =>
      holder.replaceChildren(
        h(
          'p',
          { class: 'govuk-body form-error', role: 'alert' },
          `The unit-cost catalogue could not be read: ${error.message}`,
        ),
      ),
    );
  return holder;
}

function buildForm(
  ctx: PageContext,
  pot: PotView,
  onWritten: (w: Written) => void,
  interventionOptions: () => HTMLOptionElement[],
  catalogue: readonly UnitCostEntry[],
): HTMLFormElement {
  const kindOf = new Map(ctx.agencies.map((a) => [a.agencyId, a.kind]));
  const partners: PartnerKind[] = pot.partners.map((p) => ({
    agencyId: p.agencyId,
    kind: kindOf.get(p.agencyId) ?? 'other',
  }));
  const byCode = new Map(catalogue.map((e) => [e.code, e]));
  const unitCostOptions = [...catalogue]
    .sort((a, b) => a.description.localeCompare(b.description))
    .map((e) => ({
      value: e.code,
      label: `${e.description}: ${formatGbp(e.amount)} ${e.unit} (${e.priceYear} prices)`,
    }));
  let lines = 0;
  const lineList = h('div', { class: 'quantity-lines' });
  const preview = h('div', { 'data-testid': 'quantity-preview', 'aria-live': 'polite' });
  const addButton = h(
    'button',
    { type: 'button', class: 'govuk-button govuk-button--secondary secondary' },
    'Add another line',
  );

  const addLine = () => {
    lines += 1;
    const n = lines;
    const code = h(
      'select',
      { name: `unitCost${n}` },
      h('option', { value: '' }, 'Choose a unit cost'),
      ...options(unitCostOptions),
    );
    const choices = h('div', { class: 'beneficiary-choices' });
    code.addEventListener('change', () => {
      const entry = byCode.get(code.value);
      choices.replaceChildren(
        ...(entry === undefined ? [] : kindsToChoose(entry, partners)).map((kind) => {
          const ofKind = ctx.agencies.filter((a) => a.kind === kind);
          const candidates = ofKind.length === 0 ? ctx.agencies : ofKind;
          return field(
            `Which agency receives the ${kind} part?`,
            h(
              'select',
              { name: `beneficiary${n}-${kind}` },
              h('option', { value: '' }, 'Choose an agency'),
              ...options(candidates.map((a) => ({ value: a.agencyId, label: a.name }))),
            ),
            pot.partners.some((p) => kindOf.get(p.agencyId) === kind)
              ? `The pot has more than one ${kind} partner`
              : `The pot has no ${kind} partner`,
          );
        }),
      );
      refresh();
    });
    lineList.append(
      h(
        'fieldset',
        { class: 'govuk-fieldset benefit-line' },
        h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, `Line ${n}`),
        field('Unit cost', code),
        field(
          'Number of units',
          h('input', {
            name: `quantity${n}`,
            type: 'text',
            inputmode: 'decimal',
            autocomplete: 'off',
          }),
          'e.g. 12, or 2.5 (at most 2 decimal places)',
        ),
        choices,
      ),
    );
    addButton.hidden = lines >= MAX_FORM_LINES;
  };
  addButton.addEventListener('click', () => {
    addLine();
    lineList.querySelector<HTMLElement>(`[name="unitCost${lines}"]`)?.focus();
  });

  const form = writeForm({
    title: 'Record outcomes by quantity',
    submitLabel: 'Record outcome',
    token: ctx.session.token,
    controls: [
      field('Intervention', h('select', { name: 'interventionId' }, ...interventionOptions())),
      field('Description', h('textarea', { name: 'description', rows: 2 })),
      field(
        'Effective date',
        h('input', { name: 'effectiveDate', type: 'date', value: todayIso() }),
      ),
      field(
        'Evidence reference (optional)',
        h('input', { name: 'evidenceRef', type: 'text', autocomplete: 'off' }),
      ),
      lineList,
      addButton,
      preview,
    ],
    amountFields: [],
    check: (v) => {
      for (let n = 1; n <= lines; n += 1) {
        if (v(`unitCost${n}`) === '')
          return { field: `unitCost${n}`, message: `Line ${n}: choose a unit cost` };
        const problem = quantityProblem(v(`quantity${n}`));
        if (problem !== null) return { field: `quantity${n}`, message: `Line ${n}: ${problem}` };
        const entry = byCode.get(v(`unitCost${n}`));
        const missing = (entry === undefined ? [] : kindsToChoose(entry, partners)).find(
          (kind) => v(`beneficiary${n}-${kind}`) === '',
        );
        if (missing !== undefined)
          return {
            field: `beneficiary${n}-${missing}`,
            message: `Line ${n}: choose which agency receives the ${missing} part`,
          };
      }
      return null;
    },
    path: () =>
      `/v1/pots/${pot.potId}/interventions/${encodeURIComponent(
        (form.elements.namedItem('interventionId') as HTMLSelectElement).value,
      )}/outcomes`,
    body: (v) => ({
      description: v('description'),
      effectiveDate: v('effectiveDate'),
      ...(v('evidenceRef') === '' ? {} : { evidenceRef: v('evidenceRef') }),
      lines: lineInputs(v).map((line) => ({
        unitCostCode: line.unitCostCode,
        quantity: line.quantity,
        ...(Object.keys(line.beneficiaries).length === 0
          ? {}
          : { beneficiaries: line.beneficiaries }),
      })),
    }),
    receipt: (written, v) => receiptOf(ctx, written, v),
    onWritten,
  });

  /** The lines as typed: code, quantity, and the agencies chosen for kinds that needed one. */
  function lineInputs(v: FormValues): QuantityLineInput[] {
    return Array.from({ length: lines }, (_, i) => {
      const n = i + 1;
      const entry = byCode.get(v(`unitCost${n}`));
      const beneficiaries: Record<string, string> = {};
      for (const kind of entry === undefined ? [] : kindsToChoose(entry, partners)) {
        const chosen = v(`beneficiary${n}-${kind}`);
        if (chosen !== '') beneficiaries[kind] = chosen;
      }
      return { unitCostCode: v(`unitCost${n}`), quantity: v(`quantity${n}`).trim(), beneficiaries };
    });
  }

  const valueOf: FormValues = (name) => {
    const control = form.elements.namedItem(name);
    return control instanceof HTMLInputElement || control instanceof HTMLSelectElement
      ? control.value.trim()
      : '';
  };

  function refresh(): void {
    const inputs = lineInputs(valueOf);
    const previews = inputs.map((line) => previewLine(line, catalogue, partners));
    preview.replaceChildren(...previewView(ctx, inputs, previews));
  }

  form.addEventListener('input', refresh);
  form.addEventListener('change', refresh);
  addLine();
  refresh();
  // A quantity fixed after a refusal clears its own message as it is typed.
  form.addEventListener('input', (event) => {
    const name = (event.target as HTMLInputElement | null)?.name ?? '';
    if (name.startsWith('quantity') && quantityProblem(valueOf(name)) === null)
      showFieldError(form, name, null);
    if ((name.startsWith('beneficiary') || name.startsWith('unitCost')) && valueOf(name) !== '')
      showFieldError(form, name, null);
  });
  return form;
}

function previewView(
  ctx: PageContext,
  inputs: readonly QuantityLineInput[],
  previews: readonly LinePreview[],
): Node[] {
  const valued = previews.filter((p) => p.ok);
  if (valued.length === 0)
    return [
      h('h4', { class: 'govuk-heading-s' }, 'Benefits these lines come to'),
      h(
        'p',
        { class: 'govuk-hint' },
        'Choose a unit cost and enter a number of units to see the benefits before you record them.',
      ),
    ];
  const rows = previews.flatMap((p, i) => {
    if (!p.ok) return [];
    const who = p.parts.map(
      (part) =>
        `${part.agencyId === null ? `(choose the ${part.agencyKind} agency)` : ctx.nameOf(part.agencyId)}: ${formatGbp(part.amount)}${part.cashable ? ' cashable' : ' non-cashable'}`,
    );
    return [
      [
        `Line ${i + 1}`,
        `${p.entry.description} (${p.entry.code}, version ${p.entry.version})`,
        `${inputs[i]!.quantity} × ${formatGbp(p.entry.amount)}`,
        formatGbp(p.amount),
        h('ul', { class: 'govuk-list' }, ...who.map((text) => h('li', {}, text))),
      ],
    ];
  });
  const totals = previewTotals(previews);
  const years = [...new Set(valued.map((p) => (p.ok ? p.entry.priceYear : '')))].sort();
  return [
    h('h4', { class: 'govuk-heading-s' }, 'Benefits these lines come to'),
    table(
      'Each line valued from the unit-cost catalogue: units × unit cost, and who receives each part',
      ['Line', 'Unit cost', 'Units × unit cost', 'Benefit', 'Goes to'],
      rows,
      { numeric: [3] },
    ),
    h(
      'p',
      { class: 'govuk-inset-text', 'data-testid': 'price-year-caveat' },
      `Valued in the catalogue’s own prices (${years.join(', ')}), not uprated to today’s: a unit cost is what the source measured in its price year.`,
    ),
    h('p', { class: 'govuk-body govuk-!-font-weight-bold' }, 'In total, by agency'),
    totals.length === 0
      ? h('p', {}, 'No part can be credited until its agency is chosen.')
      : h(
          'ul',
          { class: 'govuk-list', 'data-testid': 'preview-totals' },
          ...totals.map((t) =>
            h(
              'li',
              {},
              `${ctx.nameOf(t.agencyId)}: ${formatGbp(t.amount)} ${t.cashable ? 'cashable' : 'non-cashable'}`,
            ),
          ),
        ),
  ];
}

function receiptOf(ctx: PageContext, written: Written, v: FormValues) {
  const flows = (written.flows ?? []) as {
    fromAgencyId: string;
    toAgencyId: string;
    amount: string;
    cashable: boolean;
  }[];
  const lines = (written.lines ?? []) as {
    unitCostCode: string;
    version: number;
    quantity: string;
    unitAmount: string;
    amount: string;
  }[];
  return {
    heading: `Outcome recorded: ${v('description')}`,
    rows: [
      ['Effective date', formatLongDate(v('effectiveDate'))],
      [
        'Valued lines',
        h(
          'ul',
          { class: 'govuk-list' },
          ...lines.map((l) =>
            h(
              'li',
              {},
              `${l.unitCostCode} (version ${l.version}): ${l.quantity} × ${formatGbp(l.unitAmount)} = ${formatGbp(l.amount)}`,
            ),
          ),
        ),
      ],
      [
        'Benefit flows',
        h(
          'ul',
          { class: 'govuk-list', 'data-testid': 'receipt-flows' },
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
    ] as [string, string | Node][],
  };
}
