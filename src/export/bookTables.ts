/**
 * The books' tables a finance officer takes away, as the HTTP API serves them for download
 * (format=csv or format=xlsx): the pot's stakes and interventions, the benefit flows, and an
 * agency's balances. Each table names agencies (and pots) beside their ids, and ends with a
 * totals row whose figures are the ledger's own (the JSON answer's), not a spreadsheet's sum.
 *
 * Built from the answer the reader is shown (its read policy already applied): nothing here
 * adds a field the JSON withheld.
 */
import { formatAmount, money, sum } from '../../events/money.ts';
import type { AgencyBalancesView, Balances } from '../../projections/agencyBalances.ts';
import type { FlowsMatrixView } from '../../projections/benefitFlows.ts';
import type { PotSummaryView } from '../../projections/potSummary.ts';
import { csvDecimal, type CsvValue } from './csv.ts';
import { columns, type ExportTable } from './table.ts';

/** A name for an id, or null when the ledger has none (the cell is then left empty). */
export type NameOf = (id: string) => string | null;

const amount = (text: string): CsvValue => csvDecimal(text);
const ratio = (text: string | null): CsvValue => (text === null ? null : csvDecimal(text));
const total = (values: readonly string[]): CsvValue =>
  csvDecimal(formatAmount(sum(values.map((v) => money(v)))));

export const POT_STAKES_COLUMNS = columns([
  ['row', 'text'],
  ['agencyId', 'text'],
  ['agencyName', 'text'],
  ['contributed', 'money'],
  ['drawn', 'money'],
  ['returned', 'money'],
  ['stake', 'money'],
]);

export const POT_INTERVENTIONS_COLUMNS = columns([
  ['row', 'text'],
  ['interventionId', 'text'],
  ['name', 'text'],
  ['leadAgencyId', 'text'],
  ['leadAgencyName', 'text'],
  ['funded', 'money'],
  ['benefits', 'money'],
]);

/**
 * The pot: each partner's stake then the pot's totals (contributed, allocated as drawn,
 * available as stake), and each intervention's funding and benefits.
 */
export function potTables(
  pot: Pick<
    PotSummaryView,
    'contributed' | 'allocated' | 'available' | 'partners' | 'interventions'
  >,
  nameOf: NameOf,
): ExportTable[] {
  const returned = total(pot.partners.map((p) => p.returned));
  return [
    {
      sheet: 'Stakes',
      columns: POT_STAKES_COLUMNS,
      rows: [
        ...pot.partners.map((p) => [
          'partner',
          p.agencyId,
          nameOf(p.agencyId),
          amount(p.contributed),
          amount(p.drawn),
          amount(p.returned),
          amount(p.stake),
        ]),
        [
          'totals',
          null,
          null,
          amount(pot.contributed),
          amount(pot.allocated),
          returned,
          amount(pot.available),
        ],
      ],
    },
    {
      sheet: 'Interventions',
      columns: POT_INTERVENTIONS_COLUMNS,
      rows: [
        ...pot.interventions.map((i) => [
          'intervention',
          i.interventionId,
          i.name,
          i.leadAgencyId,
          nameOf(i.leadAgencyId),
          amount(i.funded),
          amount(i.benefits),
        ]),
        [
          'totals',
          null,
          null,
          null,
          null,
          total(pot.interventions.map((i) => i.funded)),
          total(pot.interventions.map((i) => i.benefits)),
        ],
      ],
    },
  ];
}

export const FLOWS_COLUMNS = columns([
  ['row', 'text'],
  ['fromAgencyId', 'text'],
  ['fromAgencyName', 'text'],
  ['toAgencyId', 'text'],
  ['toAgencyName', 'text'],
  ['amount', 'money'],
  ['cashableAmount', 'money'],
]);

export const FLOWS_AGENCIES_COLUMNS = columns([
  ['agencyId', 'text'],
  ['agencyName', 'text'],
  ['invested', 'money'],
  ['benefitsProduced', 'money'],
  ['benefitsReceived', 'money'],
  ['returnPerPound', 'ratio'],
  ['wrongPocketShare', 'ratio'],
]);

/** Who invested, who benefited: one row per investor → beneficiary pair, then per agency. */
export function flowsTables(flows: FlowsMatrixView, nameOf: NameOf): ExportTable[] {
  return [
    {
      sheet: 'Flows',
      columns: FLOWS_COLUMNS,
      rows: [
        ...flows.rows.map((r) => [
          'flow',
          r.fromAgencyId,
          nameOf(r.fromAgencyId),
          r.toAgencyId,
          nameOf(r.toAgencyId),
          amount(r.amount),
          amount(r.cashableAmount),
        ]),
        [
          'totals',
          null,
          null,
          null,
          null,
          total(flows.rows.map((r) => r.amount)),
          total(flows.rows.map((r) => r.cashableAmount)),
        ],
      ],
    },
    {
      sheet: 'Agencies',
      columns: FLOWS_AGENCIES_COLUMNS,
      rows: flows.agencies.map((a) => [
        a.agencyId,
        nameOf(a.agencyId),
        amount(a.invested),
        amount(a.benefitsProduced),
        amount(a.benefitsReceived),
        ratio(a.returnPerPound),
        ratio(a.wrongPocketShare),
      ]),
    },
  ];
}

const BALANCE_FIELDS = [
  'contributed',
  'drawn',
  'returned',
  'stake',
  'benefitsReceived',
  'benefitsReceivedCashable',
  'benefitsReceivedNonCashable',
  'benefitsProducedForOthers',
  'netFiscalPosition',
  'netFiscalPositionOnMoneySpent',
] as const satisfies readonly (keyof Balances)[];

export const BALANCES_COLUMNS = columns([
  ['row', 'text'],
  ['potId', 'text'],
  ['potName', 'text'],
  ...BALANCE_FIELDS.map((field) => [field, 'money'] as const),
]);

/** One agency's balances: a row per pot, then the total row. */
export function balancesTable(balances: AgencyBalancesView, potNameOf: NameOf): ExportTable {
  const figures = (b: Balances) => BALANCE_FIELDS.map((field) => amount(b[field]));
  return {
    sheet: 'Balances',
    columns: BALANCES_COLUMNS,
    rows: [
      ...balances.pots.map((p) => ['pot', p.potId, potNameOf(p.potId), ...figures(p)]),
      ['total', null, null, ...figures(balances.total)],
    ],
  };
}
