/**
 * Properties of the year-end settlement over random years: partners 1–5, schemes 1–5, random
 * contributions (some dated outside the year), allocations split from the stakes as the
 * allocation decider splits them (some dated in the year before, some reversed within the
 * year), spend (some reversed), every share rule, caps on and off, both underspend rules, cover
 * on and off. The history is folded with evolvePot; the decided settlement is checked against
 * the contract's invariants in bigint pence (not with events/money.ts), then folded too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fundingSharesFor } from '../../commands/allocateToIntervention.ts';
import { DomainError } from '../../commands/domainError.ts';
import { available, evolvePot, initialPotState, type PotState } from '../../commands/potState.ts';
import {
  decideSettleFinancialYear,
  previewSettlement,
} from '../../commands/settleFinancialYear.ts';
import { money } from '../../events/money.ts';
import { potEventSchemas, type PotEvent } from '../../events/pot.ts';
import {
  FinancialYearSettledV1,
  type FinancialYearSettled,
  type OverspendRule,
} from '../../events/poolYear.ts';
import { ADMIN, financeOfficerOf, testUlid } from './spec.ts';

const CANDIDATE_PARTNERS = ['a-council', 'b-police', 'c-health', 'd-dwp', 'e-fire'] as const;
/** A lead agency that is not a partner: its commissioner share has nobody to owe it. */
const OUTSIDER = 'f-housing';
const FY = '2025-26';
const IN_YEAR = '2025-10-01';
const YEAR_BEFORE = '2025-02-01';
const YEAR_AFTER = '2026-04-05';
const NOW = '2026-04-15T10:00:00.000Z';
const POT_ID = testUlid(2, 1);

function penceOf(text: string): bigint {
  const match = /^(-?)(\d+)\.(\d{2})$/.exec(text);
  if (match === null) throw new Error(`not a 2-dp figure: ${text}`);
  const value = BigInt(match[2]!) * 100n + BigInt(match[3]!);
  return match[1] === '-' ? -value : value;
}

function textOf(pence: bigint): string {
  return `${pence / 100n}.${(pence % 100n).toString().padStart(2, '0')}`;
}

const total = (lines: readonly { amount: string }[]): bigint =>
  lines.reduce((acc, l) => acc + penceOf(l.amount), 0n);

// ---- random years ----------------------------------------------------------------------------

const when = fc.constantFrom(IN_YEAR, IN_YEAR, IN_YEAR, YEAR_BEFORE, YEAR_AFTER);

const schemeArbitrary = fc.record({
  allocations: fc.array(
    fc.record({
      perMille: fc.integer({ min: 1, max: 600 }),
      date: fc.constantFrom(IN_YEAR, IN_YEAR, YEAR_BEFORE),
      reversedInYear: fc.boolean(),
    }),
    { maxLength: 2 },
  ),
  spends: fc.array(
    fc.record({
      pence: fc.bigInt({ min: 1n, max: 300_000n }),
      date: fc.constantFrom(IN_YEAR, IN_YEAR, IN_YEAR, YEAR_BEFORE),
      reversedInYear: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
  lead: fc.nat(5),
  commissioner: fc.option(
    fc.record({ first: fc.nat(4), second: fc.nat(4), percent: fc.integer({ min: 1, max: 100 }) }),
    { nil: null },
  ),
});

const yearArbitrary = fc.record({
  partners: fc.shuffledSubarray([...CANDIDATE_PARTNERS], { minLength: 1, maxLength: 5 }),
  host: fc.nat(4),
  contributions: fc.array(
    fc.record({ partner: fc.nat(4), pence: fc.bigInt({ min: 1n, max: 500_000n }), date: when }),
    { minLength: 1, maxLength: 8 },
  ),
  schemes: fc.array(schemeArbitrary, { minLength: 1, maxLength: 5 }),
  coverFromPot: fc.boolean(),
  share: fc.constantFrom('contributions' as const, 'fixed' as const, 'commissioner' as const),
  points: fc.array(fc.nat(10), { minLength: 5, maxLength: 5 }),
  caps: fc.option(
    fc.array(fc.option(fc.bigInt({ min: 1n, max: 50_000n })), { minLength: 5, maxLength: 5 }),
    {
      nil: null,
    },
  ),
  underspend: fc.constantFrom('carry-forward' as const, 'return' as const),
});
type Year = typeof yearArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** Basis points summing to 10000 from small random weights (all zero: the first partner's). */
function basisPoints(partners: readonly string[], raw: readonly number[]): Record<string, number> {
  const weights = partners.map((_, i) => raw[i]!);
  const sumOfWeights = weights.reduce((a, b) => a + b, 0);
  if (sumOfWeights === 0) return { [partners[0]!]: 10_000 };
  const points = weights.map((w) => Math.floor((w * 10_000) / sumOfWeights));
  points[weights.findIndex((w) => w > 0)]! += 10_000 - points.reduce((a, b) => a + b, 0);
  return Object.fromEntries(partners.map((p, i) => [p, points[i]!]).filter(([, p]) => p !== 0));
}

function overspendRule(y: Year): OverspendRule {
  const caps =
    y.caps === null
      ? undefined
      : Object.fromEntries(
          y.partners.flatMap((p, i) => (y.caps![i] == null ? [] : [[p, textOf(y.caps![i]!)]])),
        );
  return {
    policy: 'warn',
    coverFromPot: y.coverFromPot,
    share: y.share,
    ...(y.share === 'fixed' ? { percentages: basisPoints(y.partners, y.points) } : {}),
    ...(caps === undefined ? {} : { caps }),
  };
}

/** Folds the random year's history, each event checked against its schema. */
function foldYear(y: Year): PotState {
  const state = initialPotState();
  let n = 0;
  const fold = (event: PotEvent): void => {
    potEventSchemas[event.type].parse(event.data);
    n += 1;
    evolvePot(state, { ...event, eventId: testUlid(1, n) } as PotEvent & { eventId: string });
  };
  const host = y.partners[y.host % y.partners.length]!;
  fold({
    type: 'PotOpened',
    data: {
      potId: POT_ID,
      name: 'Pooled fund',
      area: 'Essex',
      hostAgencyId: host,
      partnerAgencyIds: [...y.partners],
      currency: 'GBP',
    },
  });
  y.contributions.forEach((c, i) =>
    fold({
      type: 'ContributionReceived',
      data: {
        potId: POT_ID,
        contributionId: testUlid(3, i + 1),
        agencyId: y.partners[c.partner % y.partners.length]!,
        amount: textOf(c.pence),
        effectiveDate: c.date,
        reference: `PO-${i + 1}`,
      },
    }),
  );
  fold({
    type: 'AgreementRecorded',
    data: {
      potId: POT_ID,
      version: 1,
      reference: 'S75',
      legalBasis: 's75-nhs-act-2006',
      startDate: '2025-04-01',
      poolManager: 'Pool manager',
      scope: 'All schemes',
      boardDecisionRef: 'HWB-1',
      signedOn: '2025-03-20',
      spendTracking: true,
      overspend: overspendRule(y),
      underspend: y.underspend,
    },
  });
  y.schemes.forEach((scheme, s) => foldScheme(y, scheme, s + 1, fold, state));
  return state;
}

function foldScheme(
  y: Year,
  scheme: Year['schemes'][number],
  s: number,
  fold: (event: PotEvent) => void,
  state: PotState,
): void {
  const interventionId = testUlid(4, s);
  const partnerAt = (i: number) => y.partners[i % y.partners.length]!;
  const lead = scheme.lead === 5 ? OUTSIDER : partnerAt(scheme.lead);
  fold({
    type: 'InterventionDefined',
    data: { potId: POT_ID, interventionId, name: `Scheme ${s}`, leadAgencyId: lead },
  });
  if (scheme.commissioner !== null) {
    const { first, second, percent } = scheme.commissioner;
    const a = partnerAt(first);
    const b = partnerAt(second);
    const commissioner =
      a === b || percent === 100
        ? [{ agencyId: a, percent: '100' }]
        : [
            { agencyId: a, percent: String(percent) },
            { agencyId: b, percent: String(100 - percent) },
          ];
    fold({
      type: 'SchemeDetailsRecorded',
      data: {
        potId: POT_ID,
        interventionId,
        schemeType: 'Reablement',
        fundingSource: 'other',
        commissioner,
        recurrent: true,
        expenditure: 'revenue',
      },
    });
  }
  scheme.allocations.forEach((a, i) => {
    const amountPence = (penceOf(available(state).toFixed(2)) * BigInt(a.perMille)) / 1000n;
    if (amountPence <= 0n) return;
    const text = textOf(amountPence);
    const shares = fundingSharesFor(state, money(text));
    const allocationId = testUlid(5, s * 10 + i);
    fold({
      type: 'FundsAllocated',
      data: {
        potId: POT_ID,
        allocationId,
        interventionId,
        amount: text,
        effectiveDate: a.date,
        reason: 'Budget',
        fundingShares: shares,
      },
    });
    if (a.date === YEAR_BEFORE && a.reversedInYear) {
      fold({
        type: 'AllocationReversed',
        data: {
          potId: POT_ID,
          allocationId,
          reversedEventId: state.allocations.get(allocationId)!.eventId,
          interventionId,
          amount: text,
          fundingShares: shares,
          effectiveDate: IN_YEAR,
          reason: 'Wrong scheme',
        },
      });
    }
  });
  scheme.spends.forEach((sp, i) => {
    const spendId = testUlid(7, s * 10 + i);
    fold({
      type: 'SpendRecorded',
      data: {
        potId: POT_ID,
        spendId,
        interventionId,
        amount: textOf(sp.pence),
        effectiveDate: sp.date,
        supplier: 'Provider',
        invoiceRef: `INV-${s}-${i}`,
      },
    });
    if (sp.reversedInYear) {
      fold({
        type: 'SpendReversed',
        data: {
          potId: POT_ID,
          spendId,
          reversedEventId: state.poolYear.spends.get(spendId)!.eventId,
          interventionId,
          amount: textOf(sp.pence),
          effectiveDate: IN_YEAR,
          reason: 'Credit note',
        },
      });
    }
  });
}

// ---- the properties ----------------------------------------------------------------------------

function checkFigures(y: Year, state: PotState, d: FinancialYearSettled): void {
  FinancialYearSettledV1.parse(d);
  const stakesBefore = total(d.stakesBefore);
  expect(textOf(stakesBefore)).toBe(available(state).toFixed(2));
  let running = stakesBefore;
  for (const scheme of d.schemes) running += total(scheme.released);
  const sharedBy = new Map<string, bigint>();
  const ids = d.schemes.map((s) => s.interventionId);
  expect(ids).toEqual([...ids].sort());
  for (const scheme of d.schemes) {
    const under = penceOf(scheme.underspend);
    const over = penceOf(scheme.overspend);
    const variance = penceOf(scheme.budget) - penceOf(scheme.spent);
    expect(under - over).toBe(variance);
    expect(under === 0n || over === 0n).toBe(true);
    // Every split sums to its whole.
    expect(total(scheme.fundingOfYear)).toBe(penceOf(scheme.budget));
    expect(total(scheme.released)).toBe(under);
    const covered = total(scheme.covered);
    expect(covered + total(scheme.shared)).toBe(over);
    // Cover takes what the stakes then hold, at most the overspend, and only when the rule says.
    const expectedCover = !y.coverFromPot ? 0n : over < running ? over : running;
    expect(covered).toBe(expectedCover);
    running -= covered;
    expect(penceOf(scheme.fellToHost)).toBeLessThanOrEqual(total(scheme.shared));
    // Funding of the year after settlement = spend of the year.
    expect(
      total(scheme.fundingOfYear) - total(scheme.released) + covered + total(scheme.shared),
    ).toBe(penceOf(scheme.spent));
    for (const l of scheme.shared)
      sharedBy.set(l.agencyId, (sharedBy.get(l.agencyId) ?? 0n) + penceOf(l.amount));
  }
  // Stakes: what was there, plus released, less covered, less returned.
  const released = d.schemes.reduce((acc, s) => acc + total(s.released), 0n);
  const covered = d.schemes.reduce((acc, s) => acc + total(s.covered), 0n);
  expect(total(d.stakesAfter)).toBe(stakesBefore + released - covered - total(d.returns));
  expect(total(d.returns)).toBe(y.underspend === 'return' ? running : 0n);
  if (y.underspend === 'return') expect(d.stakesAfter).toEqual([]);
  // Owed = each partner's total share; within its cap unless it is the host.
  expect(d.owedByPartners.map((l) => [l.agencyId, penceOf(l.amount)])).toEqual(
    [...sharedBy].filter(([, p]) => p > 0n).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  for (const [agencyId, cap] of Object.entries(d.overspend.caps ?? {}))
    if (agencyId !== d.hostAgencyId)
      expect(sharedBy.get(agencyId) ?? 0n).toBeLessThanOrEqual(penceOf(cap));
}

function checkFold(state: PotState, d: FinancialYearSettled): void {
  evolvePot(state, { type: 'FinancialYearSettled', data: d, eventId: testUlid(8, 1) });
  let stakes = 0n;
  for (const stake of state.stakes.values()) {
    expect(stake.isNegative()).toBe(false);
    stakes += penceOf(stake.toFixed(2));
  }
  expect(textOf(stakes)).toBe(available(state).toFixed(2));
  for (const scheme of d.schemes) {
    const figures = state.poolYear.years.get(FY)!.schemes.get(scheme.interventionId)!;
    let funding = 0n;
    for (const amount of figures.funding.values()) funding += penceOf(amount.toFixed(2));
    expect(funding).toBe(penceOf(figures.spent.toFixed(2)));
  }
}

const CONTEXT = { actor: ADMIN, now: NOW, registeredAgencies: new Set<string>() };

function settle(state: PotState): FinancialYearSettled {
  const decided = decideSettleFinancialYear(state, { potId: POT_ID, financialYear: FY }, CONTEXT);
  if (decided instanceof DomainError) throw decided;
  return decided[0]!.data as FinancialYearSettled;
}

const NUM_RUNS = 200;

describe('SettleFinancialYear properties', () => {
  it('every split sums to its whole, cover takes what the stakes hold, stakes balance, shares stay within caps', () => {
    fc.assert(
      fc.property(yearArbitrary, (y) => {
        const state = foldYear(y);
        checkFigures(y, state, settle(state));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('folding the settlement keeps the invariants: no stake negative, available = Σ stakes, funding of the year = spend', () => {
    fc.assert(
      fc.property(yearArbitrary, (y) => {
        const state = foldYear(y);
        checkFold(state, settle(state));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('the preview, by any role, equals the settlement it previews', () => {
    fc.assert(
      fc.property(yearArbitrary, fc.boolean(), (y, byPartner) => {
        const state = foldYear(y);
        const actor = byPartner
          ? financeOfficerOf(y.partners[0]!)
          : { sub: 'dana', role: 'auditor' };
        expect(previewSettlement(state, FY, { ...CONTEXT, actor })).toEqual(settle(state));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
