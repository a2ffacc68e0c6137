/**
 * Who invests, who benefits: the Sankey (investor → intervention → beneficiary, cashable and
 * non-cashable apart) and, beside it, each agency's figures — the chart's text alternative.
 */
import { getJson, getJsonAsAt, query } from '../api.ts';
import { asAtPanel, tableDownloads } from '../books.ts';
import { todayIso } from '../forms.ts';
import { benefitSankey } from '../charts.ts';
import type { PageContext, PotView } from '../context.ts';
import { field, h, options, showFieldError, table } from '../dom.ts';
import { formatGbp, formatReturnPerPound, formatShare } from '../money.ts';
import {
  sankeyModel,
  type FlowRow,
  type InterventionFlows,
  type SankeyModel,
  type SankeyNode,
} from '../sankeyModel.ts';

interface FlowsView {
  readonly rows: readonly FlowRow[];
  readonly agencies: readonly {
    agencyId: string;
    invested: string;
    benefitsProduced: string;
    benefitsReceived: string;
    returnPerPound: string | null;
    wrongPocketShare: string | null;
  }[];
}

const FINANCIAL_YEAR = /^\d{4}-\d{2}$/;

export async function flowsPage(ctx: PageContext): Promise<void> {
  const token = ctx.session.token;
  const potId = ctx.params.get('potId') ?? '';
  const financialYear = ctx.params.get('financialYear') ?? '';
  const { pots } = await getJson<{ pots: PotView[] }>('/v1/pots', token);

  const filters = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter the flows' },
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
          potId,
        ),
      ),
    ),
    field(
      'Financial year',
      h('input', {
        name: 'financialYear',
        type: 'text',
        value: financialYear,
        placeholder: '2025-26',
        autocomplete: 'off',
      }),
      'Blank for all years',
    ),
    h('button', { type: 'submit' }, 'Show'),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const year = (filters.elements.namedItem('financialYear') as HTMLInputElement).value.trim();
    const yearOk =
      year === '' ||
      (FINANCIAL_YEAR.test(year) && (Number(year.slice(0, 4)) + 1) % 100 === Number(year.slice(5)));
    showFieldError(
      filters,
      'financialYear',
      yearOk ? null : 'Enter a financial year like 2025-26, or leave it blank.',
    );
    if (!yearOk) return;
    window.location.hash = `#/flows${query({ potId: (filters.elements.namedItem('potId') as HTMLSelectElement).value, financialYear: year })}`;
  });

  const scope = {
    potId: potId === '' ? undefined : potId,
    financialYear: financialYear === '' ? undefined : financialYear,
    asAt: ctx.params.get('asAt') ?? undefined,
  };
  const path = `/v1/flows${query(scope)}`;
  const inScope = pots.filter((p) => scope.potId === undefined || p.potId === scope.potId);
  const [{ body: totals, reading }, perIntervention] = await Promise.all([
    getJsonAsAt<FlowsView>(path, token),
    Promise.all(
      inScope.flatMap((pot) =>
        pot.interventions.map(async (i): Promise<InterventionFlows> => {
          const flows = await getJson<FlowsView>(
            `/v1/flows${query({ ...scope, potId: pot.potId, interventionId: i.interventionId })}`,
            token,
          );
          return {
            interventionId: i.interventionId,
            name: inScope.length > 1 ? `${i.name} (${pot.name})` : i.name,
            rows: flows.rows,
          };
        }),
      ),
    ),
  ]);
  const model = sankeyModel(perIntervention, ctx.nameOf);
  const chart = h('div', {
    class: 'chart chart-sankey',
    id: 'sankey',
    role: 'img',
    'aria-label': sankeyDescription(model),
  });
  const key = h(
    'ul',
    { class: 'key', 'aria-label': 'Colour key' },
    h(
      'li',
      {},
      h('span', { class: 'swatch', 'data-colour': 'investment' }),
      'Benefit produced by an investor’s funding',
    ),
    h(
      'li',
      {},
      h('span', { class: 'swatch', 'data-colour': 'cashable' }),
      'Cashable benefit (a real saving in that budget)',
    ),
    h(
      'li',
      {},
      h('span', { class: 'swatch', 'data-colour': 'non-cashable' }),
      'Non-cashable benefit',
    ),
  );
  ctx.main.replaceChildren(
    h('h1', {}, 'Who invests, who benefits'),
    filters,
    asAtPanel(reading, todayIso(), { chooseDate: true, params: ctx.params }),
    h(
      'p',
      {},
      'Band widths are benefits in pounds: from the agency whose money paid for an intervention, through the intervention, into the budget where the benefit landed.',
    ),
    model.links.length === 0
      ? h('p', { class: 'empty' }, 'No benefits recorded for this choice yet.')
      : h('div', {}, chart, key),
    table(
      'Each agency: invested, benefits its money produced, benefits received, return per £1, and the share of its benefits that landed in other budgets',
      [
        'Agency',
        'Invested',
        'Benefits produced',
        'Benefits received',
        'Return per £1',
        'Wrong-pocket share',
      ],
      totals.agencies.map((a) => [
        ctx.nameOf(a.agencyId),
        formatGbp(a.invested),
        formatGbp(a.benefitsProduced),
        formatGbp(a.benefitsReceived),
        formatReturnPerPound(a.returnPerPound),
        formatShare(a.wrongPocketShare),
      ]),
      { numeric: [1, 2, 3, 4, 5] },
    ),
    tableDownloads(
      path,
      `flows-pot-${scope.potId ?? 'all-pots'}-${scope.financialYear ?? 'all-years'}`,
      token,
      'the flows',
    ),
  );
  if (model.links.length > 0) benefitSankey(chart, model);
}

/** The chart's text alternative: who is on each side of it (the table has the figures). */
export function sankeyDescription(model: SankeyModel): string {
  const of = (kinds: readonly SankeyNode['kind'][]) =>
    model.nodes
      .filter((n) => kinds.includes(n.kind))
      .map((n) => n.label)
      .join('; ');
  return (
    `Sankey diagram of benefit flows. Investors: ${of(['investor'])}. Interventions: ${of(['intervention'])}. ` +
    `Beneficiaries: ${of(['cashable', 'non-cashable'])}. The table below lists each agency's figures.`
  );
}
