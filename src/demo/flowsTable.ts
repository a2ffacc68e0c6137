/**
 * Plain-text tables for the demo: the investor → beneficiary matrix from GET /v1/flows, the
 * per-agency returns, and the one sentence that says why pooled budgets need this ledger.
 *
 * Pure functions from the API's answers to strings, so they can be tested without a server.
 * Amounts are summed with the money module (never JS numbers) so a total printed here is the
 * same penny-exact figure an auditor would get from the ledger.
 */
import { formatPounds, money, sum, ZERO, type Money } from '../../events/money.ts';
import type { FlowsMatrixView } from '../../projections/benefitFlows.ts';

export interface AgencyLabel {
  readonly agencyId: string;
  readonly name: string;
}

export interface Column {
  readonly header: string;
  readonly align: 'left' | 'right';
}

export const COLUMN_GAP = '  ';
export const EMPTY_CELL = '-';

/**
 * A table with wrapped headers, a rule under them and, optionally, a rule before the last
 * `footerRows` rows (totals). Every column but the first is as wide as its widest cell or
 * header word, and its header wraps to fit.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options: { footerRows?: number } = {},
): string {
  const widths = columns.map((column, index) => {
    const cells = rows.map((row) => (row[index] ?? '').length);
    // The first column (row labels) keeps its header on one line; the others wrap theirs to
    // the width their figures need, so a long agency name does not widen a column of amounts.
    const headerWidth =
      index === 0
        ? column.header.length
        : Math.max(0, ...column.header.split(/\s+/).map((word) => word.length));
    return Math.max(headerWidth, ...cells);
  });
  const headerLines = columns.map((column, index) => wrapWords(column.header, widths[index]!));
  const headerHeight = Math.max(...headerLines.map((lines) => lines.length));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) =>
        columns[index]!.align === 'right'
          ? cell.padStart(widths[index]!)
          : cell.padEnd(widths[index]!),
      )
      .join(COLUMN_GAP)
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join(COLUMN_GAP);

  const out: string[] = [];
  // Wrapped headers sit on the bottom line, next to the figures they name.
  for (let k = 0; k < headerHeight; k += 1) {
    out.push(line(headerLines.map((lines) => lines[k - (headerHeight - lines.length)] ?? '')));
  }
  out.push(rule);
  const footerRows = options.footerRows ?? 0;
  rows.forEach((row, index) => {
    if (footerRows > 0 && index === rows.length - footerRows) out.push(rule);
    out.push(line(columns.map((_, k) => row[k] ?? '')));
  });
  return out.join('\n');
}

/** Greedy word wrap; a word longer than the width gets a line of its own. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (current === '') current = word;
    else if (current.length + 1 + word.length <= width) current = `${current} ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  if (current !== '' || lines.length === 0) lines.push(current);
  return lines;
}

/**
 * The investor → beneficiary matrix: one row per agency whose funding produced benefits (or
 * that invested), one column per agency that received them, a "Total produced" column and a
 * "Total received" row. Agencies appear in the order of `agencies`; ids it does not name come
 * after, by id, under their id.
 */
export function renderFlowsMatrix(
  flows: Pick<FlowsMatrixView, 'rows' | 'agencies'>,
  agencies: readonly AgencyLabel[],
): string {
  const nameOf = namer(agencies);
  const order = orderer(agencies);
  const investors = order(
    new Set([
      ...flows.agencies.filter((a) => !money(a.invested).isZero()).map((a) => a.agencyId),
      ...flows.rows.map((r) => r.fromAgencyId),
    ]),
  );
  const beneficiaries = order(new Set(flows.rows.map((r) => r.toAgencyId)));
  if (investors.length === 0 || beneficiaries.length === 0) return 'No benefit flows recorded yet.';

  const cell = new Map<string, Money>();
  for (const row of flows.rows) {
    const key = `${row.fromAgencyId} ${row.toAgencyId}`;
    cell.set(key, (cell.get(key) ?? ZERO).plus(money(row.amount)));
  }
  const amountOf = (from: string, to: string) => cell.get(`${from} ${to}`);
  const show = (value: Money | undefined) =>
    value === undefined || value.isZero() ? EMPTY_CELL : formatPounds(value);

  const columns: Column[] = [
    { header: 'Investor ↓ / beneficiary →', align: 'left' },
    ...beneficiaries.map((id) => ({ header: nameOf(id), align: 'right' as const })),
    { header: 'Total produced', align: 'right' },
  ];
  const body = investors.map((from) => [
    nameOf(from),
    ...beneficiaries.map((to) => show(amountOf(from, to))),
    formatPounds(sum(beneficiaries.map((to) => amountOf(from, to) ?? ZERO))),
  ]);
  const totals = [
    'Total received',
    ...beneficiaries.map((to) =>
      formatPounds(sum(investors.map((from) => amountOf(from, to) ?? ZERO))),
    ),
    formatPounds(sum(flows.rows.map((r) => money(r.amount)))),
  ];
  return renderTable(columns, [...body, totals], { footerRows: 1 });
}

/**
 * Per agency: invested, benefits its funding produced, benefits received (and how much of
 * that is cashable), return per £1 invested, and the share of what it produced that landed
 * in other agencies' budgets.
 */
export function renderAgencyReturns(
  flows: Pick<FlowsMatrixView, 'rows' | 'agencies'>,
  agencies: readonly AgencyLabel[],
): string {
  const nameOf = namer(agencies);
  const byId = new Map(flows.agencies.map((a) => [a.agencyId, a]));
  const ids = orderer(agencies)(new Set(byId.keys()));
  if (ids.length === 0) return 'No agency has invested or benefited yet.';
  const cashableReceived = (id: string) =>
    sum(flows.rows.filter((r) => r.toAgencyId === id).map((r) => money(r.cashableAmount)));

  const columns: Column[] = [
    { header: 'Agency', align: 'left' },
    { header: 'Invested', align: 'right' },
    { header: 'Benefits produced', align: 'right' },
    { header: 'Benefits received', align: 'right' },
    { header: 'of which cashable', align: 'right' },
    { header: 'Return per £1', align: 'right' },
    { header: 'Wrong-pocket share', align: 'right' },
  ];
  const rows = ids.map((id) => {
    const a = byId.get(id)!;
    return [
      nameOf(id),
      formatPounds(money(a.invested)),
      formatPounds(money(a.benefitsProduced)),
      formatPounds(money(a.benefitsReceived)),
      formatPounds(cashableReceived(id)),
      formatReturnPerPound(a.returnPerPound),
      formatShare(a.wrongPocketShare),
    ];
  });
  return renderTable(columns, rows);
}

/** "£0.32" for a ratio of "0.3222"; "n/a" when the agency invested nothing. */
export function formatReturnPerPound(ratio: string | null): string {
  return ratio === null ? 'n/a' : formatPounds(money(money(ratio).toFixed(2)));
}

/** "87.5%" for a ratio of "0.8750"; "n/a" when nothing was produced. */
export function formatShare(ratio: string | null): string {
  return ratio === null ? 'n/a' : `${money(ratio).times(100).toFixed(1)}%`;
}

export interface HeadlineInput {
  readonly flows: Pick<FlowsMatrixView, 'rows' | 'agencies'>;
  /** The partner whose position is told first, and what it paid into the pot. */
  readonly partner: AgencyLabel & { readonly contributed: string };
  /** The agency whose money's "wrong-pocket" benefits are told, e.g. the host council. */
  readonly host: { readonly agencyId: string; readonly label: string };
}

/**
 * "Essex Police put in £X and received £Y of benefit; £Z of what the council's money produced
 * landed in other agencies' budgets." The figures come straight from the flows answer.
 */
export function wrongPocketHeadline({ flows, partner, host }: HeadlineInput): string {
  const received =
    flows.agencies.find((a) => a.agencyId === partner.agencyId)?.benefitsReceived ?? '0.00';
  const hostForOthers = sum(
    flows.rows
      .filter((r) => r.fromAgencyId === host.agencyId && r.toAgencyId !== host.agencyId)
      .map((r) => money(r.amount)),
  );
  return (
    `${partner.name} put in ${formatPounds(money(partner.contributed))} and received ${formatPounds(money(received))} of benefit; ` +
    `${formatPounds(hostForOthers)} of what ${host.label}'s money produced landed in other agencies' budgets.`
  );
}

function namer(agencies: readonly AgencyLabel[]): (agencyId: string) => string {
  const names = new Map(agencies.map((a) => [a.agencyId, a.name]));
  return (agencyId) => names.get(agencyId) ?? agencyId;
}

/** Known agencies in the order given, then unknown ids by code unit (stable on every machine). */
function orderer(agencies: readonly AgencyLabel[]): (ids: ReadonlySet<string>) => string[] {
  const rank = new Map(agencies.map((a, index) => [a.agencyId, index]));
  return (ids) =>
    [...ids].sort((a, b) => {
      const ra = rank.get(a) ?? Number.MAX_SAFE_INTEGER;
      const rb = rank.get(b) ?? Number.MAX_SAFE_INTEGER;
      return ra - rb || (a < b ? -1 : a > b ? 1 : 0);
    });
}
