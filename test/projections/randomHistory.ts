/**
 * Random VALID histories for property tests: the generator plays the deciders' part (a small
 * reference model of stakes and funding, splitting by largest remainder), so every history is
 * one the ledger could really have written. Effective dates are drawn from a few around a
 * year end and need not follow the log order (entries may be backdated); reversals are dated
 * after every original, as the decider requires.
 *
 * With `opsWithPoolYearArbitrary` the histories also have the pooled-fund year: spend, year-end
 * settlements (worked out here as ../shared/POOLED-FUND-YEAR.md says: release by the year's
 * funding, cover from the stakes pro rata, shares by the year's contributions, falling to the
 * host when nobody has a weight; carried forward or returned), risk-share payments and their
 * reversals. Once a year is settled, entries dated in it or before are refused.
 */
import fc from 'fast-check';
import type { Money } from '../../events/money.ts';
import {
  formatAmount,
  fromPence,
  money,
  splitLargestRemainder,
  sum,
  toPence,
  ZERO,
} from '../../events/money.ts';
import type { Benefit, BenefitFlow } from '../../events/pot.ts';
import type { AgencyAmount, FinancialYearSettled, SettledScheme } from '../../events/poolYear.ts';
import { financialYearOf } from '../../events/primitives.ts';
import type { Of } from './envelopes.ts';
import { createHistory } from './envelopes.ts';

export const PARTNERS = ['a-council', 'b-police', 'c-health'] as const;
export const AGENCIES = [...PARTNERS, 'd-dwp'] as const;
export const DATES = [
  '2025-03-30',
  '2025-03-31',
  '2025-04-01',
  '2026-03-31',
  '2026-04-01',
] as const;
const INTERVENTIONS = 2;

type Op =
  | { kind: 'contribute'; agency: number; pence: number; date: number }
  | { kind: 'allocate'; intervention: number; perMille: number; date: number }
  | { kind: 'reverseContribution'; pick: number }
  | { kind: 'reverseAllocation'; pick: number }
  | {
      kind: 'outcome';
      intervention: number;
      lines: { agency: number; pence: number; cashable: boolean }[];
      date: number;
    }
  | { kind: 'retract'; pick: number }
  | { kind: 'spend'; intervention: number; pence: number; date: number }
  | { kind: 'settle'; year: number; coverFromPot: boolean; returnStakes: boolean }
  | { kind: 'payRiskShare'; pick: number; perMille: number }
  | { kind: 'reverseRiskShare'; pick: number };

/** The years a settlement may be for: both end before the last generated date. */
export const SETTLED_YEARS = ['2024-25', '2025-26'] as const;

const date = fc.nat(DATES.length - 1);
// Money in and out more often than corrections, so histories get far enough to have outcomes.
export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('contribute' as const),
      agency: fc.nat(PARTNERS.length - 1),
      pence: fc.integer({ min: 1, max: 100_000_000 }),
      date,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('allocate' as const),
      intervention: fc.nat(INTERVENTIONS - 1),
      perMille: fc.integer({ min: 1, max: 1000 }),
      date,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reverseContribution' as const), pick: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reverseAllocation' as const), pick: fc.nat() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('outcome' as const),
      intervention: fc.nat(INTERVENTIONS - 1),
      lines: fc.array(
        fc.record({
          agency: fc.nat(AGENCIES.length - 1),
          pence: fc.integer({ min: 1, max: 50_000_000 }),
          cashable: fc.boolean(),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      date,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retract' as const), pick: fc.nat() }) },
);

/** Plays the ops as the deciders would, skipping any the rules would refuse. */
export function historyOf(ops: readonly Op[]) {
  const h = createHistory();
  for (const agencyId of AGENCIES) h.registerAgency(agencyId, `Agency ${agencyId}`, 'other');
  const potId = h.openPot({
    name: 'Pool',
    area: 'Somewhere',
    hostAgencyId: 'a-council',
    partnerAgencyIds: ['b-police', 'a-council'],
  }).data.potId;
  h.joinPartner(potId, 'c-health');
  const interventionIds = Array.from(
    { length: INTERVENTIONS },
    (_, i) => h.defineIntervention(potId, `Intervention ${i}`, 'a-council').data.interventionId,
  );

  const stakes = new Map<string, Money>(PARTNERS.map((a) => [a, ZERO]));
  const funding = interventionIds.map(() => new Map<string, Money>(PARTNERS.map((a) => [a, ZERO])));
  const contributions: Of<'ContributionReceived'>[] = [];
  const allocations: Of<'FundsAllocated'>[] = [];
  const outcomes: Of<'OutcomeRecorded'>[] = [];
  const add = (map: Map<string, Money>, key: string, amount: Money) =>
    map.set(key, (map.get(key) ?? ZERO).plus(amount));
  const weightsOf = (map: Map<string, Money>) =>
    [...map].filter(([, w]) => w.gt(0)).map(([key, weight]) => ({ key, weight }));
  const take = <T>(list: T[], pick: number): T | undefined =>
    list.length === 0 ? undefined : list.splice(pick % list.length, 1)[0];

  // The pooled-fund year: what each settlement needs, by year.
  const spends: { interventionId: string; amount: Money; effectiveDate: string }[] = [];
  const settled = new Set<string>();
  /** The last day of the latest settled year: nothing may be dated on or before it. */
  let lockedThrough = '';
  let agreementEventId: string | undefined;
  const debts = new Map<string, Map<string, Money>>();
  const riskSharePayments: Of<'ContributionReceived'>[] = [];
  const refusedDate = (effectiveDate: string): boolean => effectiveDate <= lockedThrough;
  const needAgreement = (): string => {
    agreementEventId ??= h.append({
      type: 'AgreementRecorded',
      data: {
        potId,
        version: 1,
        reference: 'AG-1',
        legalBasis: 's75-nhs-act-2006',
        startDate: '2024-04-01',
        poolManager: 'Pool manager',
        scope: 'Everything',
        boardDecisionRef: 'PB-1',
        signedOn: '2024-03-01',
        spendTracking: true,
        overspend: { policy: 'warn', coverFromPot: true, share: 'contributions' },
        underspend: 'carry-forward',
      },
    }).eventId;
    return agreementEventId;
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'contribute': {
        if (refusedDate(DATES[op.date]!)) break;
        const agencyId = PARTNERS[op.agency]!;
        const amount = fromPence(BigInt(op.pence));
        contributions.push(
          h.contribute(
            potId,
            agencyId,
            formatAmount(amount),
            DATES[op.date]!,
            `REF-${contributions.length}`,
          ),
        );
        add(stakes, agencyId, amount);
        break;
      }
      case 'allocate': {
        if (refusedDate(DATES[op.date]!)) break;
        const available = sum(stakes.values());
        const amount = fromPence((toPence(available) * BigInt(op.perMille)) / 1000n);
        if (amount.isZero()) break;
        const shares = splitLargestRemainder(amount, weightsOf(stakes)).filter((p) =>
          p.amount.gt(0),
        );
        const shareMap = Object.fromEntries(shares.map((p) => [p.key, formatAmount(p.amount)]));
        allocations.push(
          h.allocate(
            potId,
            interventionIds[op.intervention]!,
            shareMap,
            DATES[op.date]!,
            'Random allocation',
          ),
        );
        for (const p of shares) {
          add(stakes, p.key, p.amount.negated());
          add(funding[op.intervention]!, p.key, p.amount);
        }
        break;
      }
      case 'reverseContribution': {
        // A reversal that would take the stake below zero is refused (INSUFFICIENT_FUNDS).
        const candidates = contributions.filter((c) =>
          stakes.get(c.data.agencyId)!.gte(money(c.data.amount)),
        );
        const original = take(candidates, op.pick);
        if (original === undefined) break;
        contributions.splice(contributions.indexOf(original), 1);
        h.reverseContribution(original, 'Random reversal', '2026-06-01');
        add(stakes, original.data.agencyId, money(original.data.amount).negated());
        break;
      }
      case 'reverseAllocation': {
        const original = take(allocations, op.pick);
        if (original === undefined) break;
        h.reverseAllocation(original, 'Random reversal', '2026-06-01');
        const i = interventionIds.indexOf(original.data.interventionId);
        for (const s of original.data.fundingShares) {
          add(stakes, s.agencyId, money(s.amount));
          add(funding[i]!, s.agencyId, money(s.amount).negated());
        }
        break;
      }
      case 'outcome': {
        if (refusedDate(DATES[op.date]!)) break;
        const weights = weightsOf(funding[op.intervention]!);
        if (weights.length === 0) break; // UNFUNDED_INTERVENTION
        const benefits: Benefit[] = op.lines.map((l) => ({
          agencyId: AGENCIES[l.agency]!,
          amount: formatAmount(fromPence(BigInt(l.pence))),
          cashable: l.cashable,
        }));
        const flows: BenefitFlow[] = benefits.flatMap((b) =>
          splitLargestRemainder(money(b.amount), weights)
            .filter((p) => p.amount.gt(0))
            .map((p) => ({
              fromAgencyId: p.key,
              toAgencyId: b.agencyId,
              amount: formatAmount(p.amount),
              cashable: b.cashable,
            })),
        );
        outcomes.push(
          h.recordOutcome(potId, interventionIds[op.intervention]!, {
            description: 'Random outcome',
            effectiveDate: DATES[op.date]!,
            benefits,
            flows,
          }),
        );
        break;
      }
      case 'retract': {
        const original = take(outcomes, op.pick);
        if (original !== undefined) h.retractOutcome(original, 'Random retraction', '2026-06-01');
        break;
      }
      case 'spend': {
        const effectiveDate = DATES[op.date]!;
        if (refusedDate(effectiveDate)) break;
        needAgreement();
        const interventionId = interventionIds[op.intervention]!;
        const amount = fromPence(BigInt(op.pence));
        h.append({
          type: 'SpendRecorded',
          data: {
            potId,
            spendId: h.id(),
            interventionId,
            amount: formatAmount(amount),
            effectiveDate,
            supplier: 'Provider',
            invoiceRef: `INV-${spends.length}`,
          },
        });
        spends.push({ interventionId, amount, effectiveDate });
        break;
      }
      case 'settle': {
        const financialYear = SETTLED_YEARS[op.year]!;
        if (settled.has(financialYear) || financialYear < lockedThrough.slice(0, 4)) break;
        const data = settlementOf({
          potId,
          financialYear,
          agreementEventId: needAgreement(),
          coverFromPot: op.coverFromPot,
          returnStakes: op.returnStakes,
          interventionIds,
          events: h.events,
          spends,
          stakes,
        });
        h.append({ type: 'FinancialYearSettled', data });
        // Carry the settlement into the model, as potState.settleYear does.
        for (const scheme of data.schemes) {
          const i = interventionIds.indexOf(scheme.interventionId);
          for (const l of scheme.released) {
            add(stakes, l.agencyId, money(l.amount));
            add(funding[i]!, l.agencyId, money(l.amount).negated());
          }
          for (const l of scheme.covered) {
            add(stakes, l.agencyId, money(l.amount).negated());
            add(funding[i]!, l.agencyId, money(l.amount));
          }
          for (const l of scheme.shared) add(funding[i]!, l.agencyId, money(l.amount));
        }
        for (const l of data.returns) stakes.set(l.agencyId, ZERO);
        const owed = new Map<string, Money>();
        for (const l of data.owedByPartners) owed.set(l.agencyId, money(l.amount));
        debts.set(financialYear, owed);
        settled.add(financialYear);
        lockedThrough = data.effectiveDate;
        break;
      }
      case 'payRiskShare': {
        const owing = [...debts].flatMap(([year, byAgency]) =>
          [...byAgency]
            .filter(([, debt]) => debt.gt(0))
            .map(([agencyId, debt]) => ({ year, agencyId, debt })),
        );
        if (owing.length === 0) break;
        const { year, agencyId, debt } = owing[op.pick % owing.length]!;
        const amount = fromPence((toPence(debt) * BigInt(op.perMille)) / 1000n);
        if (amount.isZero()) break;
        riskSharePayments.push(
          h.append({
            type: 'ContributionReceived',
            data: {
              potId,
              contributionId: h.id(),
              agencyId,
              amount: formatAmount(amount),
              effectiveDate: '2026-04-15',
              reference: `RS-${riskSharePayments.length}`,
              riskShareFor: year,
            },
          }),
        );
        debts.get(year)!.set(agencyId, debt.minus(amount));
        break;
      }
      case 'reverseRiskShare': {
        const original = take(riskSharePayments, op.pick);
        if (original === undefined) break;
        const { contributionId, agencyId, amount, riskShareFor } = original.data;
        h.append({
          type: 'ContributionReversed',
          data: {
            potId,
            contributionId,
            reversedEventId: original.eventId,
            agencyId,
            amount,
            effectiveDate: '2026-06-01',
            reason: 'Random reversal',
            riskShareFor: riskShareFor!,
          },
        });
        const byAgency = debts.get(riskShareFor!)!;
        byAgency.set(agencyId, byAgency.get(agencyId)!.plus(money(amount)));
        break;
      }
    }
  }
  return { events: h.events, potId, stakes, interventionIds, funding };
}

export const opsArbitrary = fc.array(opArbitrary, { minLength: 5, maxLength: 40, size: 'medium' });

const poolYearOpArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: opArbitrary },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('spend' as const),
      intervention: fc.nat(INTERVENTIONS - 1),
      pence: fc.integer({ min: 1, max: 100_000_000 }),
      date,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      year: fc.nat(SETTLED_YEARS.length - 1),
      coverFromPot: fc.boolean(),
      returnStakes: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('payRiskShare' as const),
      pick: fc.nat(),
      perMille: fc.integer({ min: 1, max: 1000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reverseRiskShare' as const), pick: fc.nat() }),
  },
);

/** Histories with the pooled-fund year as well (spend, settlements, risk-share payments). */
export const opsWithPoolYearArbitrary = fc.array(poolYearOpArbitrary, {
  minLength: 5,
  maxLength: 50,
  size: 'medium',
});

/**
 * The settlement the decider would record for `financialYear`, from the pot's own events and
 * the model's stakes (POOLED-FUND-YEAR.md, year-end settlement, steps 1–4).
 */
function settlementOf(input: {
  potId: string;
  financialYear: string;
  agreementEventId: string;
  coverFromPot: boolean;
  returnStakes: boolean;
  interventionIds: readonly string[];
  events: readonly { type: string; data: unknown }[];
  spends: readonly { interventionId: string; amount: Money; effectiveDate: string }[];
  stakes: ReadonlyMap<string, Money>;
}): FinancialYearSettled {
  const { financialYear } = input;
  const inYear = (effectiveDate: string) => financialYearOf(effectiveDate) === financialYear;
  const add = (map: Map<string, Money>, key: string, amount: Money) =>
    map.set(key, (map.get(key) ?? ZERO).plus(amount));
  const positive = (map: ReadonlyMap<string, Money>) =>
    [...map].filter(([, w]) => w.gt(0)).map(([key, weight]) => ({ key, weight }));
  const lines = (parts: { key: string; amount: Money }[]): AgencyAmount[] =>
    parts
      .filter((p) => p.amount.gt(0))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((p) => ({ agencyId: p.key, amount: formatAmount(p.amount) }));
  const listOf = (map: ReadonlyMap<string, Money>) =>
    lines([...map].map(([key, amount]) => ({ key, amount })));

  const budget = new Map<string, Money>();
  const fundingOfYear = new Map<string, Map<string, Money>>();
  const contributions = new Map<string, Money>();
  for (const event of input.events) {
    const d = event.data as {
      effectiveDate?: string;
      interventionId?: string;
      amount?: string;
      agencyId?: string;
      riskShareFor?: string;
      fundingShares?: { agencyId: string; amount: string }[];
    };
    if (d.effectiveDate === undefined || !inYear(d.effectiveDate)) continue;
    const sign =
      event.type === 'FundsAllocated' || event.type === 'ContributionReceived'
        ? 1
        : event.type === 'AllocationReversed' || event.type === 'ContributionReversed'
          ? -1
          : 0;
    if (sign === 0) continue;
    if (event.type === 'FundsAllocated' || event.type === 'AllocationReversed') {
      add(budget, d.interventionId!, money(d.amount!).times(sign));
      const shares = fundingOfYear.get(d.interventionId!) ?? new Map<string, Money>();
      fundingOfYear.set(d.interventionId!, shares);
      for (const share of d.fundingShares!)
        add(shares, share.agencyId, money(share.amount).times(sign));
    } else if (d.riskShareFor === undefined) {
      add(contributions, d.agencyId!, money(d.amount!).times(sign));
    }
  }
  const spent = new Map<string, Money>();
  for (const spend of input.spends)
    if (inYear(spend.effectiveDate)) add(spent, spend.interventionId, spend.amount);

  const stakes = new Map(input.stakes);
  const stakesBefore = listOf(stakes);
  const schemes: SettledScheme[] = [];
  const remaining = new Map<string, Money>();
  for (const interventionId of input.interventionIds) {
    if (!budget.has(interventionId) && !spent.has(interventionId)) continue;
    const b = budget.get(interventionId) ?? ZERO;
    const sp = spent.get(interventionId) ?? ZERO;
    const diff = b.minus(sp);
    const ofYear = fundingOfYear.get(interventionId) ?? new Map<string, Money>();
    let released: AgencyAmount[] = [];
    let underspend = diff.gt(0) ? diff : ZERO;
    const weights = positive(ofYear);
    if (underspend.gt(0) && weights.length === 0) underspend = ZERO; // nobody to release it to
    if (underspend.gt(0)) {
      const parts = splitLargestRemainder(underspend, weights);
      for (const p of parts) add(stakes, p.key, p.amount);
      released = lines(parts);
    }
    const overspend = diff.isNegative() ? diff.negated() : ZERO;
    remaining.set(interventionId, overspend);
    schemes.push({
      interventionId,
      budget: formatAmount(b),
      spent: formatAmount(sp),
      underspend: formatAmount(underspend),
      overspend: formatAmount(overspend),
      fundingOfYear: [...ofYear]
        .sort(([a], [c]) => (a < c ? -1 : 1))
        .map(([agencyId, amount]) => ({ agencyId, amount: formatAmount(amount) })),
      released,
      covered: [],
      shared: [],
      fellToHost: '0.00',
    });
  }
  const host = 'a-council';
  const owed = new Map<string, Money>();
  for (const scheme of schemes) {
    let o = remaining.get(scheme.interventionId)!;
    if (o.isZero()) continue;
    if (input.coverFromPot) {
      const available = sum(stakes.values());
      const c = o.lt(available) ? o : available;
      if (c.gt(0)) {
        const parts = splitLargestRemainder(c, positive(stakes));
        for (const p of parts) add(stakes, p.key, p.amount.negated());
        scheme.covered = lines(parts);
        o = o.minus(c);
      }
    }
    if (o.isZero()) continue;
    const weights = positive(contributions);
    const parts =
      weights.length === 0
        ? [{ key: host, amount: o }]
        : splitLargestRemainder(o, weights).map((p) => ({ key: p.key, amount: p.amount }));
    if (weights.length === 0) scheme.fellToHost = formatAmount(o);
    for (const p of parts) add(owed, p.key, p.amount);
    scheme.shared = lines(parts);
  }
  const returns = input.returnStakes ? listOf(stakes) : [];
  if (input.returnStakes) for (const key of stakes.keys()) stakes.set(key, ZERO);
  return {
    potId: input.potId,
    financialYear,
    effectiveDate: `${Number(financialYear.slice(0, 4)) + 1}-03-31`,
    agreement: { version: 1, agreementEventId: input.agreementEventId },
    overspend: { policy: 'warn', coverFromPot: input.coverFromPot, share: 'contributions' },
    underspend: input.returnStakes ? 'return' : 'carry-forward',
    hostAgencyId: host,
    shareWeights: [...contributions]
      .sort(([a], [c]) => (a < c ? -1 : 1))
      .map(([agencyId, weight]) => ({ agencyId, weight: formatAmount(weight) })),
    stakesBefore,
    schemes,
    returns,
    owedByPartners: listOf(owed),
    stakesAfter: listOf(stakes),
  };
}
