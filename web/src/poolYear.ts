/**
 * The pooled-fund year in the dashboard's words: the API's answers (docs/pooled-fund-year.md)
 * as types, the labels a pool manager reads, and the derivations the pages show (variances,
 * overspend warnings, the settlement step by step, each partner's totals, the memorandum's
 * reconciliation). Pure: no DOM, no fetch, so every line is unit-tested (test/web/poolYear.test.ts).
 */
import { money } from '../../events/money.ts';
import { formatLongDate } from './dates.ts';
import { formatGbp } from './money.ts';

// ---------------------------------------------------------------- the answers

// The API's answers are the ledger's own types (events/poolYear.ts, projections/poolYear*.ts):
// type-only imports, so nothing of them is bundled, and a field renamed there fails here.
import type {
  AgencyAmount,
  FinancialYearSettled,
  OverspendFlag,
  OverspendRule,
  SettledScheme,
} from '../../events/poolYear.ts';
import type { AgreementVersionView } from '../../projections/poolYear.ts';
import type { MemorandumAccount } from '../../projections/poolYearMemorandum.ts';
import type { MonitoringReport, MonitoringSchemeView } from '../../projections/poolYearReports.ts';

export type { AgencyAmount, MonitoringReport, OverspendFlag, OverspendRule, SettledScheme };
export type Agreement = AgreementVersionView;
export type Memorandum = MemorandumAccount;
export type MonitoringScheme = MonitoringSchemeView;
export type MemorandumPartner = MemorandumAccount['partners'][number];

export interface AgreementsAnswer {
  readonly potId: string;
  readonly current: Agreement | null;
  readonly versions: readonly Agreement[];
}

/** The preview's answer; the answer of settle also carries its eventId and position. */
export type Settlement = FinancialYearSettled & {
  readonly eventId?: string;
  readonly position?: string;
};

// ---------------------------------------------------------------- labels

export const LEGAL_BASIS_LABELS: Readonly<Record<string, string>> = {
  's75-nhs-act-2006': 'Section 75, NHS Act 2006',
  's31-health-act-1999': 'Section 31, Health Act 1999',
  's113-lga-1972': 'Section 113, Local Government Act 1972',
  other: 'Other',
};

export const FUNDING_SOURCE_LABELS: Readonly<Record<string, string>> = {
  'nhs-minimum': 'NHS minimum contribution',
  dfg: 'Disabled Facilities Grant',
  'la-bcf': 'Local authority BCF grant',
  discharge: 'Discharge funding',
  'additional-la': 'Additional local authority contribution',
  'additional-nhs': 'Additional NHS contribution',
  other: 'Other',
  unclassified: 'Not classified',
};

export const SHARE_RULE_LABELS: Readonly<Record<string, string>> = {
  contributions: "In proportion to each partner's contributions in the year",
  fixed: 'Fixed percentages set in the agreement',
  commissioner: "By each scheme's commissioner split",
};

export const UNDERSPEND_RULE_LABELS: Readonly<Record<string, string>> = {
  'carry-forward': 'Carried forward in the pot',
  return: 'Returned to the partners',
};

export const OVERSPEND_POLICY_LABELS: Readonly<Record<string, string>> = {
  warn: 'Accept spend over budget and flag it',
  block: 'Refuse spend over budget',
};

/** Some BCF scheme types (the national planning template's list), offered as suggestions. */
export const BCF_SCHEME_TYPES = [
  'Assistive technologies and equipment',
  'Care Act implementation related duties',
  'Carers services',
  'Community based schemes',
  'DFG related schemes',
  'Enablers for integration',
  'High impact change model for managing transfer of care',
  'Home care or domiciliary care',
  'Housing related schemes',
  'Integrated care planning and navigation',
  'Bed based intermediate care services',
  'Reablement in a person’s own home',
  'Personalised budgeting and commissioning',
  'Personalised care at home',
  'Prevention / early intervention',
  'Residential placements',
  'Other',
] as const;

export function labelOf(labels: Readonly<Record<string, string>>, key: string | null): string {
  if (key === null) return labels.unclassified ?? 'Not classified';
  return labels[key] ?? key;
}

// ---------------------------------------------------------------- percentages

/**
 * A typed percentage ("40", "33.34", "12.5%") in basis points (10000 = 100%); blank is 0;
 * null when it is not a percentage from 0 to 100 with at most 2 decimal places.
 */
export function percentToBasisPoints(typed: string): number | null {
  const text = typed.trim().replace(/%$/, '').trim();
  if (text === '') return 0;
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text);
  if (match === null) return null;
  const bp = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return bp > 10_000 ? null : bp;
}

/** 3334 → "33.34%", 5000 → "50%". */
export function basisPointsText(bp: number): string {
  const whole = Math.floor(bp / 100);
  const part = bp % 100;
  return part === 0 ? `${whole}%` : `${whole}.${String(part).padStart(2, '0')}%`;
}

/** The percent as the API's Percentage string: 3334 → "33.34", 6000 → "60". */
export function basisPointsAsPercent(bp: number): string {
  return basisPointsText(bp).replace(/%$/, '');
}

/**
 * Typed percentages, one per partner (field → text), checked together: each must be a
 * percentage and, unless all are blank, they must add up to exactly 100.
 */
export function checkSplit(
  typed: readonly { readonly field: string; readonly text: string }[],
): { field: string | null; message: string } | { split: { field: string; bp: number }[] } {
  const split: { field: string; bp: number }[] = [];
  for (const { field, text } of typed) {
    const bp = percentToBasisPoints(text);
    if (bp === null)
      return {
        field,
        message:
          'Enter a percentage from 0 to 100 with at most two decimal places, for example 33.34.',
      };
    split.push({ field, bp });
  }
  const total = split.reduce((sum, s) => sum + s.bp, 0);
  if (total !== 0 && total !== 10_000)
    return {
      field: null,
      message: `The percentages must add up to 100%; they add up to ${basisPointsText(total)}.`,
    };
  return { split: split.filter((s) => s.bp > 0) };
}

// ---------------------------------------------------------------- form bodies

/** The POST …/agreements body from the form's values. */
export function agreementBody(v: (name: string) => string, partners: readonly string[]): unknown {
  const percentages: Record<string, number> = {};
  if (v('share') === 'fixed') {
    const split = checkSplit(partners.map((id) => ({ field: id, text: v(`pct_${id}`) })));
    if ('split' in split) for (const s of split.split) percentages[s.field] = s.bp;
  }
  const caps: Record<string, string> = {};
  for (const id of partners) if (v(`cap_${id}`) !== '') caps[id] = v(`cap_${id}`);
  return {
    reference: v('reference'),
    legalBasis: v('legalBasis'),
    startDate: v('startDate'),
    ...optional('endDate', v('endDate')),
    poolManager: v('poolManager'),
    scope: v('scope'),
    boardDecisionRef: v('boardDecisionRef'),
    signedOn: v('signedOn'),
    spendTracking: v('spendTracking') === 'true',
    overspend: {
      policy: v('policy'),
      coverFromPot: v('coverFromPot') === 'true',
      share: v('share'),
      ...(Object.keys(percentages).length === 0 ? {} : { percentages }),
      ...(Object.keys(caps).length === 0 ? {} : { caps }),
    },
    underspend: v('underspend'),
    ...(v('replaces') === '' ? {} : { replaces: Number(v('replaces')) }),
  };
}

/** The POST …/scheme body from the form's values: no commissioner split when all are blank. */
export function schemeBody(v: (name: string) => string, partners: readonly string[]): unknown {
  const split = checkSplit(partners.map((id) => ({ field: id, text: v(`com_${id}`) })));
  const commissioner =
    'split' in split
      ? split.split.map((s) => ({ agencyId: s.field, percent: basisPointsAsPercent(s.bp) }))
      : [];
  return {
    schemeType: v('schemeType'),
    fundingSource: v('fundingSource'),
    ...(commissioner.length === 0 ? {} : { commissioner }),
    ...optional('provider', v('provider')),
    recurrent: v('recurrent') === 'true',
    expenditure: v('expenditure'),
  };
}

const optional = (name: string, value: string) => (value === '' ? {} : { [name]: value });

// ---------------------------------------------------------------- amounts

const sum = (amounts: readonly string[]) =>
  amounts.reduce((total, a) => total.plus(money(a)), money('0'));

/** The total of a split's amounts, as a 2-place string. */
export function sumAmounts(lines: readonly AgencyAmount[]): string {
  return sum(lines.map((l) => l.amount)).toFixed(2);
}

export function isZeroAmount(amount: string): boolean {
  return money(amount).isZero();
}

/** An answer's signed figure as money: "£1,234.50", "−£20.00" for a negative one. */
export function formatSigned(amount: string): string {
  return formatGbp(amount).replace(/^-/, '−');
}

/** A variance (forecast outturn − budget) in words a board reads. */
export function varianceText(variance: string): string {
  const v = money(variance);
  if (v.isZero()) return 'On budget';
  const abs = formatGbp(v.abs().toFixed(2));
  return v.gt(0) ? `${abs} over budget` : `${abs} under budget`;
}

/** What the spend form shows when the answer carries `overspend` (policy `warn`). */
export function overspendWarning(flag: OverspendFlag, schemeName: string): string {
  return (
    `This spend takes ${schemeName} ${formatGbp(flag.overBy)} over its budget for ${flag.financialYear}. ` +
    `Before it, the budget was ${formatSigned(flag.budget)}, with ${formatSigned(flag.spent)} spent and ` +
    `${formatSigned(flag.committed)} committed, leaving ${formatSigned(flag.remaining)}. ` +
    'It has been recorded; the overspend will be settled at year end under the agreement’s risk-share rule.'
  );
}

/** The monitoring report's headline for the board about overspending schemes; null when none. */
export function overspendHeadline(report: MonitoringReport): string | null {
  const n = report.overspends.length;
  if (n === 0) return null;
  const names = report.overspends.map((o) => `${o.name} (${formatGbp(o.overBy)} over)`);
  return `${n === 1 ? '1 scheme is' : `${n} schemes are`} overspending at the end of quarter ${report.quarter}: ${names.join('; ')}. Actual spend and outstanding commitments exceed the budget.`;
}

// ---------------------------------------------------------------- agreement

/** The agreement's overspend rule as a board paper would put it. */
export function overspendRuleText(rule: OverspendRule, nameOf: (id: string) => string): string[] {
  const lines = [
    OVERSPEND_POLICY_LABELS[rule.policy] ?? rule.policy,
    rule.coverFromPot
      ? 'At year end, overspends are first covered from the pot’s unallocated stakes'
      : 'At year end, overspends are not covered from the pot’s unallocated stakes',
    `What remains is shared: ${(SHARE_RULE_LABELS[rule.share] ?? rule.share).replace(/^./, (c) => c.toLowerCase())}`,
  ];
  const percentages = Object.entries(rule.percentages ?? {});
  if (percentages.length > 0)
    lines.push(
      `Percentages: ${percentages.map(([id, bp]) => `${nameOf(id)} ${basisPointsText(bp)}`).join(', ')}`,
    );
  const caps = Object.entries(rule.caps ?? {});
  if (caps.length > 0)
    lines.push(
      `Caps for the year: ${caps.map(([id, cap]) => `${nameOf(id)} ${formatGbp(cap)}`).join(', ')}`,
    );
  return lines;
}

/** One row of the register of versions. */
export function agreementRow(a: Agreement): string[] {
  return [
    `Version ${a.version}`,
    a.reference,
    a.boardDecisionRef,
    formatLongDate(a.signedOn),
    `${formatLongDate(a.startDate)} to ${a.endDate === undefined ? 'no end date' : formatLongDate(a.endDate)}`,
    a.replaces === undefined ? '—' : `Version ${a.replaces.version}`,
  ];
}

// ---------------------------------------------------------------- settlement

export interface SettlementStep {
  readonly title: string;
  readonly text: string;
  /** The partners' amounts of the step, when it splits money. */
  readonly lines: readonly AgencyAmount[];
}

const nonZero = (lines: readonly AgencyAmount[]) => lines.filter((l) => !money(l.amount).isZero());

/** One scheme's settlement, step by step, as the contract orders them. */
export function settlementSteps(
  scheme: SettledScheme,
  financialYear: string,
  rules: { readonly coverFromPot: boolean; readonly share: string },
): SettlementStep[] {
  const steps: SettlementStep[] = [
    {
      title: 'Budget',
      text: `${formatSigned(scheme.budget)} allocated to the scheme in ${financialYear}`,
      lines: [],
    },
    { title: 'Spent', text: `${formatSigned(scheme.spent)} spent in ${financialYear}`, lines: [] },
  ];
  const under = money(scheme.underspend);
  const over = money(scheme.overspend);
  if (under.gt(0)) {
    steps.push({
      title: 'Underspend released',
      text: `${formatGbp(scheme.underspend)} unspent goes back to the partners’ stakes, in proportion to their funding of the scheme in ${financialYear}`,
      lines: nonZero(scheme.released),
    });
  } else if (over.gt(0)) {
    const covered = sum(scheme.covered.map((c) => c.amount));
    const shared = sum(scheme.shared.map((c) => c.amount));
    steps.push({
      title: 'Overspend',
      text: `${formatGbp(scheme.overspend)} spent beyond the budget`,
      lines: [],
    });
    steps.push({
      title: 'Covered from the pot',
      text: rules.coverFromPot
        ? `${formatGbp(covered.toFixed(2))} drawn from the partners’ unallocated stakes, in proportion to the stakes`
        : 'The agreement does not cover overspends from the pot',
      lines: nonZero(scheme.covered),
    });
    steps.push({
      title: 'Shared by the partners',
      text: shared.isZero()
        ? 'Nothing left to share'
        : `${formatGbp(shared.toFixed(2))} owed by the partners: ${(SHARE_RULE_LABELS[rules.share] ?? rules.share).replace(/^./, (c) => c.toLowerCase())}`,
      lines: nonZero(scheme.shared),
    });
    if (money(scheme.fellToHost).gt(0))
      steps.push({
        title: 'Fell to the host',
        text: `${formatGbp(scheme.fellToHost)} of that no other partner could take (caps, or no weight), so the host partner takes it`,
        lines: [],
      });
  } else {
    steps.push({
      title: 'Outturn',
      text: 'Spent exactly the budget: nothing to settle',
      lines: [],
    });
  }
  return steps;
}

export interface PartnerSettlementLine {
  readonly agencyId: string;
  readonly stakeBefore: string;
  readonly released: string;
  readonly covered: string;
  readonly shared: string;
  readonly returned: string;
  readonly owed: string;
  readonly stakeAfter: string;
}

/**
 * Each partner's totals across the settlement: stake before, underspend released to it,
 * overspend drawn from its stake, overspend it must pay, returned to it, what it owes, stake
 * after. Partners in the order the settlement first names them.
 */
export function partnerSettlementLines(settlement: Settlement): PartnerSettlementLine[] {
  const ids: string[] = [];
  const seen = (id: string) => {
    if (!ids.includes(id)) ids.push(id);
  };
  const lists = [
    settlement.stakesBefore,
    ...settlement.schemes.flatMap((s) => [s.released, s.covered, s.shared]),
    settlement.returns,
    settlement.owedByPartners,
    settlement.stakesAfter,
  ];
  for (const list of lists) for (const line of list) seen(line.agencyId);
  const total = (list: readonly AgencyAmount[], id: string) =>
    sum(list.filter((l) => l.agencyId === id).map((l) => l.amount)).toFixed(2);
  const across = (pick: (s: SettledScheme) => readonly AgencyAmount[], id: string) =>
    total(settlement.schemes.flatMap(pick), id);
  return ids.map((id) => ({
    agencyId: id,
    stakeBefore: total(settlement.stakesBefore, id),
    released: across((s) => s.released, id),
    covered: across((s) => s.covered, id),
    shared: across((s) => s.shared, id),
    returned: total(settlement.returns, id),
    owed: total(settlement.owedByPartners, id),
    stakeAfter: total(settlement.stakesAfter, id),
  }));
}

/** The settlement's totals: underspends, overspends, covered, shared, fell to host. */
export function settlementTotals(settlement: Settlement): {
  underspend: string;
  overspend: string;
  covered: string;
  shared: string;
  fellToHost: string;
  owed: string;
} {
  const s = settlement.schemes;
  return {
    underspend: sum(s.map((x) => x.underspend)).toFixed(2),
    overspend: sum(s.map((x) => x.overspend)).toFixed(2),
    covered: sum(s.flatMap((x) => x.covered.map((c) => c.amount))).toFixed(2),
    shared: sum(s.flatMap((x) => x.shared.map((c) => c.amount))).toFixed(2),
    fellToHost: sum(s.map((x) => x.fellToHost)).toFixed(2),
    owed: sum(settlement.owedByPartners.map((o) => o.amount)).toFixed(2),
  };
}

/** "Essex County Council owes £1,200.00" lines, only partners that owe something. */
export function owedSentences(settlement: Settlement, nameOf: (id: string) => string): string[] {
  return nonZero(settlement.owedByPartners).map(
    (o) => `${nameOf(o.agencyId)} owes the pot ${formatGbp(o.amount)}`,
  );
}

// ---------------------------------------------------------------- memorandum

/** The reconciliation in words: both closing balances and whether they agree. */
export function reconciliationText(memo: Memorandum): string {
  const r = memo.reconciliation;
  return r.agrees
    ? `The closing balance agrees both ways: ${formatSigned(r.closingBalanceFromPartners)} from the partners’ lines and ${formatSigned(r.closingBalanceFromPot)} from the pot’s own totals.`
    : `The closing balance does not agree: ${formatSigned(r.closingBalanceFromPartners)} from the partners’ lines but ${formatSigned(r.closingBalanceFromPot)} from the pot’s own totals, a difference of ${formatGbp(money(r.closingBalanceFromPartners).minus(money(r.closingBalanceFromPot)).abs().toFixed(2))}. Tell the ledger team before the accounts are closed.`;
}

// ---------------------------------------------------------------- paths

const pot = (potId: string) => `/v1/pots/${encodeURIComponent(potId)}`;

export const poolPaths = {
  agreements: (potId: string) => `${pot(potId)}/agreements`,
  scheme: (potId: string, interventionId: string) =>
    `${pot(potId)}/interventions/${encodeURIComponent(interventionId)}/scheme`,
  spend: (potId: string, interventionId: string) =>
    `${pot(potId)}/interventions/${encodeURIComponent(interventionId)}/spend`,
  commitments: (potId: string, interventionId: string) =>
    `${pot(potId)}/interventions/${encodeURIComponent(interventionId)}/commitments`,
  releaseCommitment: (potId: string, interventionId: string, commitmentId: string) =>
    `${pot(potId)}/interventions/${encodeURIComponent(interventionId)}/commitments/${encodeURIComponent(commitmentId)}/release`,
  forecasts: (potId: string, interventionId: string) =>
    `${pot(potId)}/interventions/${encodeURIComponent(interventionId)}/forecasts`,
  monitoring: (potId: string, financialYear: string, quarter: number, csv = false) =>
    `${pot(potId)}/monitoring?financialYear=${encodeURIComponent(financialYear)}&quarter=${quarter}${csv ? '&format=csv' : ''}`,
  settlementPreview: (potId: string, financialYear: string) =>
    `${pot(potId)}/financial-years/${encodeURIComponent(financialYear)}/settlement-preview`,
  settle: (potId: string, financialYear: string) =>
    `${pot(potId)}/financial-years/${encodeURIComponent(financialYear)}/settle`,
  memorandum: (potId: string, financialYear: string, csv = false) =>
    `${pot(potId)}/memorandum?financialYear=${encodeURIComponent(financialYear)}${csv ? '&format=csv' : ''}`,
  /** A Better Care Fund pot's end-of-year return, as CSV one sheet at a time. */
  bcfReturn: (potId: string, financialYear: string, sheet?: 'income' | 'expenditure') =>
    `${pot(potId)}/bcf-return?financialYear=${encodeURIComponent(financialYear)}${sheet === undefined ? '' : `&format=csv&sheet=${sheet}`}`,
};

/** The file name a CSV download is saved under: potledger-monitoring-2025-26-q2.csv. */
export function csvFileName(
  kind: 'monitoring' | 'memorandum' | 'bcf-return-income' | 'bcf-return-expenditure',
  financialYear: string,
  quarter?: number,
): string {
  return `potledger-${kind}-${financialYear}${quarter === undefined ? '' : `-q${quarter}`}.csv`;
}
