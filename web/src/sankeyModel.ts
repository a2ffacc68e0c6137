/**
 * The Sankey picture of who invests and who benefits: investor agency → intervention →
 * beneficiary agency, built from GET /v1/flows answers for one intervention at a time.
 *
 * A band's width is benefit in pounds: investor → intervention is the benefit that investor's
 * funding produced there, intervention → beneficiary is the benefit that landed in that budget.
 * Cashable and non-cashable benefit go to separate beneficiary nodes with separate colours and
 * words, so neither colour alone nor the chart alone carries the meaning.
 */
import { formatAmount, money, sum } from '../../events/money.ts';

export interface FlowRow {
  readonly fromAgencyId: string;
  readonly toAgencyId: string;
  readonly amount: string;
  readonly cashableAmount: string;
}

export interface InterventionFlows {
  readonly interventionId: string;
  readonly name: string;
  readonly rows: readonly FlowRow[];
}

export type SankeyNodeKind = 'investor' | 'intervention' | 'cashable' | 'non-cashable';

export interface SankeyNode {
  /** Unique within the chart: an agency is both an investor (left) and a beneficiary (right). */
  readonly id: string;
  readonly label: string;
  readonly kind: SankeyNodeKind;
}

export interface SankeyLink {
  readonly source: string;
  readonly target: string;
  /** 2-dp string, exact. */
  readonly amount: string;
  readonly kind: 'investment' | 'cashable' | 'non-cashable';
}

export interface SankeyModel {
  readonly nodes: readonly SankeyNode[];
  readonly links: readonly SankeyLink[];
}

export function sankeyModel(
  interventions: readonly InterventionFlows[],
  nameOf: (agencyId: string) => string,
): SankeyModel {
  const nodes = new Map<string, SankeyNode>();
  const links: SankeyLink[] = [];
  const node = (id: string, label: string, kind: SankeyNodeKind) => {
    if (!nodes.has(id)) nodes.set(id, { id, label, kind });
    return id;
  };
  for (const intervention of interventions) {
    const rows = intervention.rows.filter((row) => !money(row.amount).isZero());
    if (rows.length === 0) continue;
    const middle = node(
      `intervention:${intervention.interventionId}`,
      intervention.name,
      'intervention',
    );
    for (const [investor, produced] of totalsBy(
      rows,
      (row) => row.fromAgencyId,
      (row) => row.amount,
    )) {
      const source = node(`investor:${investor}`, nameOf(investor), 'investor');
      links.push({ source, target: middle, amount: produced, kind: 'investment' });
    }
    for (const [beneficiary, cashable] of totalsBy(
      rows,
      (row) => row.toAgencyId,
      (row) => row.cashableAmount,
    )) {
      if (money(cashable).isZero()) continue;
      const target = node(
        `cashable:${beneficiary}`,
        `${nameOf(beneficiary)} (cashable)`,
        'cashable',
      );
      links.push({ source: middle, target, amount: cashable, kind: 'cashable' });
    }
    const nonCashable = totalsBy(
      rows,
      (row) => row.toAgencyId,
      (row) => formatAmount(money(row.amount).minus(row.cashableAmount)),
    );
    for (const [beneficiary, amount] of nonCashable) {
      if (money(amount).isZero()) continue;
      const target = node(
        `non-cashable:${beneficiary}`,
        `${nameOf(beneficiary)} (non-cashable)`,
        'non-cashable',
      );
      links.push({ source: middle, target, amount, kind: 'non-cashable' });
    }
  }
  return { nodes: [...nodes.values()], links };
}

function totalsBy(
  rows: readonly FlowRow[],
  key: (row: FlowRow) => string,
  amount: (row: FlowRow) => string,
): Map<string, string> {
  const groups = new Map<string, string[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), amount(row)]);
  return new Map(
    [...groups].map(([k, amounts]) => [k, formatAmount(sum(amounts.map((a) => money(a))))]),
  );
}
