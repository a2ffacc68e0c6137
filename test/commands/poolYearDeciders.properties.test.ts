/**
 * A random pooled-fund year driven through the real deciders (POOLED-FUND-YEAR.md): an
 * agreement with random rules (warn/block, cover on/off, every share rule with random
 * percentages, random caps, carry-forward/return) and its variations, schemes with random
 * commissioner splits, contributions, allocations, spend (some against commitments), commitments
 * raised and released, forecasts, reversals of all of them; then, after 31 March, the
 * settlement, and risk-share payments of random parts of the debts (some reversed).
 *
 * Each accepted event is folded with evolvePot, and into the books (createLedgerBooks). After
 * every step: available = Σ stakes, no stake negative, every commitment's outstanding within
 * 0..its amount, every split in the event sums to its whole, `block` never lets spend or a
 * commitment take a scheme's spent + committed beyond its budget (and `warn` flags exactly
 * those entries), and the books' pot summary agrees with the write side. After settlement:
 * funding of the year = spend of the year for every scheme, Σ debts outstanding = Σ owed − Σ
 * paid, the preview equalled the settlement, a second settle is ALREADY_SETTLED, and the
 * memorandum account reconciles.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAllocateToIntervention } from '../../commands/allocateToIntervention.ts';
import type { CommandContext } from '../../commands/context.ts';
import { decideContributeToPot } from '../../commands/contributeToPot.ts';
import type { Decision } from '../../commands/decision.ts';
import { decideDefineIntervention } from '../../commands/defineIntervention.ts';
import { DomainError, type DomainErrorCode } from '../../commands/domainError.ts';
import { decideOpenPot } from '../../commands/openPot.ts';
import { peekSchemeYear } from '../../commands/poolYearState.ts';
import {
  available,
  evolvePot,
  initialPotState,
  stakeOf,
  type PotState,
} from '../../commands/potState.ts';
import { decideRecordAgreement, type RecordAgreement } from '../../commands/recordAgreement.ts';
import { decideRecordSchemeDetails } from '../../commands/recordSchemeDetails.ts';
import {
  decideRaiseCommitment,
  decideRecordForecast,
  decideRecordSpend,
  decideReleaseCommitment,
} from '../../commands/recordSpend.ts';
import { decideReverseEntry } from '../../commands/reverseEntry.ts';
import {
  decideSettleFinancialYear,
  previewSettlement,
} from '../../commands/settleFinancialYear.ts';
import type { Envelope } from '../../events/index.ts';
import { formatAmount, money, toPence, type Money } from '../../events/money.ts';
import { potEventSchemas, type PotEvent } from '../../events/pot.ts';
import type { FinancialYearSettled } from '../../events/poolYear.ts';
import { financialYearOf } from '../../events/primitives.ts';
import { agencyStreamId, potStreamId } from '../../events/streams.ts';
import { createLedgerBooks, potSummary, type LedgerBooks } from '../../projections/index.ts';
import { memorandumAccount } from '../../projections/poolYearReports.ts';
import { ADMIN, snapshot, testUlid } from './spec.ts';

const CANDIDATES = ['a-council', 'b-police', 'c-health', 'd-dwp'] as const;
const FY = '2025-26';
/** Mostly in the year; one day of the year before (budgets and commitments of 2024-25). */
const DATES = [
  '2025-03-31',
  '2025-04-01',
  '2025-06-30',
  '2025-10-01',
  '2026-01-15',
  '2026-03-31',
] as const;
const IN_YEAR = DATES.slice(1);
/** After the year: settlement, risk-share payments. */
const NOW = '2026-04-15T10:00:00.000Z';
const PAID_ON = ['2026-04-20', '2026-05-01'] as const;
const POT_ID = testUlid(2, 1);

const penceText = (pence: bigint): string =>
  `${pence < 0n ? '-' : ''}${(pence < 0n ? -pence : pence) / 100n}.${((pence < 0n ? -pence : pence) % 100n).toString().padStart(2, '0')}`;
const pence = (value: Money | string): bigint =>
  toPence(typeof value === 'string' ? money(value) : value);
const total = (lines: readonly { amount: string }[]): bigint =>
  lines.reduce((acc, l) => acc + pence(l.amount), 0n);

// ---- random years ----------------------------------------------------------------------------

const rulesArbitrary = fc.record({
  policy: fc.constantFrom('warn' as const, 'block' as const),
  coverFromPot: fc.boolean(),
  share: fc.constantFrom('contributions' as const, 'fixed' as const, 'commissioner' as const),
  points: fc.array(fc.nat(10), { minLength: 4, maxLength: 4 }),
  caps: fc.option(
    fc.array(fc.option(fc.bigInt({ min: 0n, max: 2_000_000n })), { minLength: 4, maxLength: 4 }),
    { nil: null },
  ),
  underspend: fc.constantFrom('carry-forward' as const, 'return' as const),
});
type Rules = typeof rulesArbitrary extends fc.Arbitrary<infer T> ? T : never;

const date = fc.nat(DATES.length - 1);
const inYear = fc.nat(IN_YEAR.length - 1);

type Step =
  | { kind: 'contribute'; partner: number; pence: bigint; date: number }
  | { kind: 'allocate'; scheme: number; perMille: number; date: number }
  | {
      kind: 'spend';
      scheme: number;
      perMille: number;
      extraPence: bigint;
      date: number;
      commitment: number | null;
    }
  | { kind: 'commit'; scheme: number; perMille: number; extraPence: bigint; date: number }
  | { kind: 'release'; pick: number; perMille: number | null; date: number | null }
  | {
      kind: 'forecast';
      scheme: number;
      quarter: number;
      outturnPence: bigint;
      explain: boolean;
    }
  | { kind: 'reverse'; pick: number; date: number | null; poolYearOnly: boolean }
  | { kind: 'vary'; rules: Rules };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('contribute' as const),
      partner: fc.nat(3),
      pence: fc.bigInt({ min: 1n, max: 5_000_000n }),
      date,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('allocate' as const),
      scheme: fc.nat(3),
      perMille: fc.integer({ min: 1, max: 1000 }),
      date,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('spend' as const),
      scheme: fc.nat(3),
      // A share of what remains of the budget: often under it, sometimes just over.
      perMille: fc.integer({ min: 0, max: 1500 }),
      extraPence: fc.bigInt({ min: -1n, max: 100_000n }),
      date: inYear,
      commitment: fc.option(fc.nat(), { nil: null }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('commit' as const),
      scheme: fc.nat(3),
      perMille: fc.integer({ min: 0, max: 1500 }),
      extraPence: fc.bigInt({ min: -1n, max: 100_000n }),
      date,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('release' as const),
      pick: fc.nat(),
      perMille: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
      date: fc.option(inYear, { nil: null }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('forecast' as const),
      scheme: fc.nat(3),
      quarter: fc.integer({ min: 1, max: 4 }),
      outturnPence: fc.bigInt({ min: 0n, max: 5_000_000n }),
      explain: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('reverse' as const),
      pick: fc.nat(),
      date: fc.option(inYear, { nil: null }),
      poolYearOnly: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('vary' as const), rules: rulesArbitrary }),
  },
);

type AfterStep =
  | { kind: 'pay'; pick: number; perMille: number; overpay: boolean; date: number }
  | { kind: 'reversePayment'; pick: number }
  | { kind: 'reverse'; pick: number }
  | { kind: 'lateSpend'; scheme: number };

const afterArbitrary: fc.Arbitrary<AfterStep> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      pick: fc.nat(),
      perMille: fc.integer({ min: 1, max: 1000 }),
      overpay: fc.boolean(),
      date: fc.nat(PAID_ON.length - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reversePayment' as const), pick: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('lateSpend' as const), scheme: fc.nat(3) }),
  },
);

const yearArbitrary = fc.record({
  partners: fc.shuffledSubarray([...CANDIDATES], { minLength: 2, maxLength: 4 }),
  host: fc.nat(3),
  rules: rulesArbitrary,
  schemes: fc.array(
    fc.record({
      lead: fc.nat(3),
      commissioner: fc.option(
        fc.record({
          first: fc.nat(3),
          second: fc.nat(3),
          // Hundredths of a percent: "33.34" and the like.
          hundredths: fc.integer({ min: 1, max: 9_999 }),
        }),
        { nil: null },
      ),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  contributions: fc.array(
    fc.record({ partner: fc.nat(3), pence: fc.bigInt({ min: 1n, max: 5_000_000n }), date }),
    { minLength: 1, maxLength: 4 },
  ),
  steps: fc.array(stepArbitrary, { minLength: 1, maxLength: 35, size: 'medium' }),
  after: fc.array(afterArbitrary, { maxLength: 8 }),
});
type Year = typeof yearArbitrary extends fc.Arbitrary<infer T> ? T : never;

function agreementCommand(
  partners: readonly string[],
  rules: Rules,
  replaces?: number,
): RecordAgreement {
  const weights = partners.map((_, i) => rules.points[i]!);
  const sumOfWeights = weights.reduce((a, b) => a + b, 0);
  const points =
    sumOfWeights === 0
      ? { [partners[0]!]: 10_000 }
      : (() => {
          const p = weights.map((w) => Math.floor((w * 10_000) / sumOfWeights));
          p[weights.findIndex((w) => w > 0)]! += 10_000 - p.reduce((a, b) => a + b, 0);
          return Object.fromEntries(partners.map((a, i) => [a, p[i]!]));
        })();
  const caps =
    rules.caps === null
      ? undefined
      : Object.fromEntries(
          partners.flatMap((a, i) =>
            rules.caps![i] == null || rules.caps![i]! === 0n
              ? []
              : [[a, penceText(rules.caps![i]!)]],
          ),
        );
  return {
    potId: POT_ID,
    reference: 'S75-2025',
    legalBasis: 's75-nhs-act-2006',
    startDate: '2025-04-01',
    poolManager: 'Pool manager',
    scope: 'All schemes',
    boardDecisionRef: `HWB-${replaces ?? 0}`,
    signedOn: '2025-03-20',
    spendTracking: true,
    overspend: {
      policy: rules.policy,
      coverFromPot: rules.coverFromPot,
      share: rules.share,
      ...(rules.share === 'fixed' ? { percentages: points } : {}),
      ...(caps === undefined ? {} : { caps }),
    },
    underspend: rules.underspend,
    ...(replaces === undefined ? {} : { replaces }),
  };
}

// ---- the run ---------------------------------------------------------------------------------

/** Codes a random command may be refused with, by kind: anything else is a surprise. */
const EXPECTED_REFUSALS: Record<string, readonly DomainErrorCode[]> = {
  contribute: ['YEAR_SETTLED'],
  allocate: ['INSUFFICIENT_FUNDS', 'YEAR_SETTLED'],
  spend: ['BUDGET_EXCEEDED', 'VALIDATION_FAILED', 'YEAR_SETTLED'],
  commit: ['BUDGET_EXCEEDED', 'YEAR_SETTLED'],
  release: ['VALIDATION_FAILED', 'YEAR_SETTLED'],
  forecast: ['VALIDATION_FAILED', 'YEAR_SETTLED'],
  reverse: ['ALREADY_REVERSED', 'INSUFFICIENT_FUNDS', 'VALIDATION_FAILED', 'YEAR_SETTLED'],
  vary: [],
  pay: ['VALIDATION_FAILED'],
  reversePayment: ['ALREADY_REVERSED'],
  lateSpend: ['YEAR_SETTLED'],
};

interface Run {
  state: PotState;
  books: LedgerBooks;
}

function runYear(y: Year, observe: (label: string) => void = () => {}): Run {
  const partners = y.partners;
  const host = partners[y.host % partners.length]!;
  const partnerAt = (i: number) => partners[i % partners.length]!;
  const run: Run = {
    state: initialPotState(),
    books: createLedgerBooks(),
  };
  let position = 0n;
  let revision = -1n;
  let idCounter = 0;
  const nextId = (kind: number): string => testUlid(kind, ++idCounter);
  const ctx: CommandContext = {
    actor: ADMIN,
    now: NOW,
    registeredAgencies: new Set<string>(CANDIDATES),
  };
  const interventionIds: string[] = [];
  const commitmentIds: string[] = [];
  const paymentEventIds: string[] = [];
  let agreementVersion = 0;

  const meta = () => {
    const commandId = testUlid(13, Number(position));
    return {
      commandId,
      correlationId: commandId,
      actor: ADMIN,
      recordedAt: new Date(
        Date.parse('2025-04-01T09:00:00Z') + Number(position) * 60_000,
      ).toISOString(),
    };
  };
  for (const agencyId of CANDIDATES) {
    position += 1n;
    run.books.evolve({
      type: 'AgencyRegistered',
      data: { agencyId, name: `Agency ${agencyId}`, kind: 'other' },
      eventId: testUlid(14, Number(position)),
      streamId: agencyStreamId(agencyId),
      streamRevision: 0n,
      position,
      metadata: meta(),
    } as Envelope);
  }

  const fold = (event: PotEvent): string => {
    potEventSchemas[event.type].parse(event.data);
    position += 1n;
    revision += 1n;
    const eventId = testUlid(1, Number(position));
    const env = {
      ...event,
      eventId,
      streamId: potStreamId(POT_ID),
      streamRevision: revision,
      position,
      metadata: meta(),
    } as Envelope;
    const before = schemeFiguresOf(event);
    run.state = evolvePot(run.state, env as PotEvent & { eventId: string });
    run.books.evolve(env);
    checkEvent(event, before);
    checkState();
    return eventId;
  };

  /** The scheme's spent + committed in the entry's year, before it is folded (spend, commitments). */
  function schemeFiguresOf(event: PotEvent): { spentAndCommitted: bigint } | null {
    if (event.type !== 'SpendRecorded' && event.type !== 'CommitmentRaised') return null;
    const f = peekSchemeYear(
      run.state.poolYear,
      financialYearOf(event.data.effectiveDate),
      event.data.interventionId,
    );
    return { spentAndCommitted: pence(f.spent) + pence(f.committed) };
  }

  function checkEvent(event: PotEvent, before: { spentAndCommitted: bigint } | null): void {
    switch (event.type) {
      case 'FundsAllocated':
      case 'AllocationReversed':
        expect(total(event.data.fundingShares), 'funding shares sum to the amount').toBe(
          pence(event.data.amount),
        );
        return;
      case 'SpendRecorded':
      case 'CommitmentRaised': {
        const f = peekSchemeYear(
          run.state.poolYear,
          financialYearOf(event.data.effectiveDate),
          event.data.interventionId,
        );
        const after = pence(f.spent) + pence(f.committed);
        const budget = pence(f.budget);
        const overspent = after > budget && after > before!.spentAndCommitted;
        // `block` never lets an entry take the scheme beyond its budget; `warn` flags exactly those.
        if (run.state.poolYear.agreement!.overspend.policy === 'block')
          expect(overspent, `${event.type} beyond the budget under block`).toBe(false);
        expect(event.data.overspend !== undefined, `${event.type} flagged`).toBe(overspent);
        return;
      }
      case 'FinancialYearSettled': {
        const d = event.data;
        const sharedBy = new Map<string, bigint>();
        for (const s of d.schemes) {
          expect(total(s.released), 'released = underspend').toBe(pence(s.underspend));
          expect(total(s.covered) + total(s.shared), 'covered + shared = overspend').toBe(
            pence(s.overspend),
          );
          expect(pence(s.underspend) - pence(s.overspend)).toBe(pence(s.budget) - pence(s.spent));
          expect(total(s.fundingOfYear), 'funding of the year = budget').toBe(pence(s.budget));
          for (const l of s.shared)
            sharedBy.set(l.agencyId, (sharedBy.get(l.agencyId) ?? 0n) + pence(l.amount));
        }
        expect(d.owedByPartners.map((l) => [l.agencyId, pence(l.amount)])).toEqual(
          [...sharedBy].filter(([, p]) => p > 0n).sort(([a], [b]) => (a < b ? -1 : 1)),
        );
        return;
      }
      default:
        return;
    }
  }

  function checkState(): void {
    const { state } = run;
    let stakes = 0n;
    for (const [agencyId, stake] of state.stakes) {
      expect(stake.isNegative(), `stake of ${agencyId}`).toBe(false);
      stakes += pence(stake);
    }
    expect(stakes, 'available = Σ stakes').toBe(pence(available(state)));
    for (const [id, c] of state.poolYear.commitments) {
      expect(c.outstanding.isNegative(), `commitment ${id} outstanding < 0`).toBe(false);
      expect(c.outstanding.gt(c.amount), `commitment ${id} outstanding > amount`).toBe(false);
    }
    // The books agree with the write side.
    const view = potSummary(run.books.state.potSummary, POT_ID)!;
    expect(view.available).toBe(formatAmount(available(state)));
    expect(view.contributed).toBe(formatAmount(state.totalContributed));
    expect(view.allocated).toBe(formatAmount(state.totalAllocated));
    for (const p of view.partners) expect(p.stake).toBe(formatAmount(stakeOf(state, p.agencyId)));
  }

  /** Decides, checks a refusal is one the kind may meet and changed nothing, folds what it decided. */
  const decide = (kind: string, decision: () => Decision<PotEvent>): string[] | null => {
    const before = snapshot(run.state);
    const d = decision();
    expect(snapshot(run.state), `${kind}: the decider wrote`).toEqual(before);
    const label = `${kind}:${d instanceof DomainError ? d.code : 'ok'}`;
    observe(label);
    if (d instanceof DomainError) {
      expect(EXPECTED_REFUSALS[kind], `${kind} refused: ${d.code}: ${d.message}`).toContain(d.code);
      if (d.code === 'BUDGET_EXCEEDED')
        expect(run.state.poolYear.agreement!.overspend.policy).toBe('block');
      return null;
    }
    return d.map(fold);
  };
  const mustDecide = (decision: Decision<PotEvent>): string[] => {
    if (decision instanceof DomainError) throw decision;
    return decision.map(fold);
  };

  // The pot, its agreement, schemes and opening contributions.
  mustDecide(
    decideOpenPot(
      run.state,
      {
        potId: POT_ID,
        name: 'Pooled fund',
        area: 'Essex',
        hostAgencyId: host,
        partnerAgencyIds: [...partners],
        currency: 'GBP',
      },
      ctx,
    ),
  );
  mustDecide(decideRecordAgreement(run.state, agreementCommand(partners, y.rules), ctx));
  agreementVersion = 1;
  y.schemes.forEach((scheme) => {
    const interventionId = nextId(4);
    mustDecide(
      decideDefineIntervention(
        run.state,
        { potId: POT_ID, interventionId, name: 'Scheme', leadAgencyId: partnerAt(scheme.lead) },
        ctx,
      ),
    );
    interventionIds.push(interventionId);
    if (scheme.commissioner !== null) {
      const { first, second, hundredths } = scheme.commissioner;
      const a = partnerAt(first);
      const b = partnerAt(second);
      const pct = (h: number) => `${Math.floor(h / 100)}.${String(h % 100).padStart(2, '0')}`;
      mustDecide(
        decideRecordSchemeDetails(
          run.state,
          {
            potId: POT_ID,
            interventionId,
            schemeType: 'Reablement',
            fundingSource: 'other',
            commissioner:
              a === b
                ? [{ agencyId: a, percent: '100' }]
                : [
                    { agencyId: a, percent: pct(hundredths) },
                    { agencyId: b, percent: pct(10_000 - hundredths) },
                  ],
            recurrent: true,
            expenditure: 'revenue',
          },
          ctx,
        ),
      );
    }
  });
  const contribute = (partner: number, amount: bigint, effectiveDate: string) =>
    decide('contribute', () =>
      decideContributeToPot(
        run.state,
        {
          potId: POT_ID,
          contributionId: nextId(3),
          agencyId: partnerAt(partner),
          amount: penceText(amount),
          effectiveDate,
          reference: 'REF',
        },
        ctx,
      ),
    );
  for (const c of y.contributions) contribute(c.partner, c.pence, DATES[c.date]!);

  /** What remains of a scheme's budget in the year of a date (budget − spent − committed). */
  const remainingPence = (interventionId: string, effectiveDate: string): bigint => {
    const f = peekSchemeYear(run.state.poolYear, financialYearOf(effectiveDate), interventionId);
    return pence(f.budget) - pence(f.spent) - pence(f.committed);
  };
  const entryAmount = (remaining: bigint, perMille: number, extra: bigint): bigint => {
    const raw = (remaining > 0n ? (remaining * BigInt(perMille)) / 1000n : 0n) + extra;
    return raw < 1n ? 1n + (extra < 0n ? 0n : extra) : raw;
  };

  for (const step of y.steps) {
    switch (step.kind) {
      case 'contribute':
        contribute(step.partner, step.pence, DATES[step.date]!);
        break;
      case 'allocate': {
        const amount = (pence(available(run.state)) * BigInt(step.perMille)) / 1000n;
        if (amount < 1n) break;
        decide('allocate', () =>
          decideAllocateToIntervention(
            run.state,
            {
              potId: POT_ID,
              allocationId: nextId(5),
              interventionId: interventionIds[step.scheme % interventionIds.length]!,
              amount: penceText(amount),
              effectiveDate: DATES[step.date]!,
              reason: 'Budget',
            },
            ctx,
          ),
        );
        break;
      }
      case 'spend': {
        const interventionId = interventionIds[step.scheme % interventionIds.length]!;
        const effectiveDate = IN_YEAR[step.date]!;
        const own = commitmentIds.filter(
          (id) => run.state.poolYear.commitments.get(id)!.interventionId === interventionId,
        );
        const commitmentId =
          step.commitment === null || own.length === 0
            ? undefined
            : own[step.commitment % own.length]!;
        const amount = entryAmount(
          remainingPence(interventionId, effectiveDate),
          step.perMille,
          step.extraPence,
        );
        decide('spend', () =>
          decideRecordSpend(
            run.state,
            {
              potId: POT_ID,
              interventionId,
              spendId: nextId(7),
              amount: penceText(amount),
              effectiveDate,
              supplier: 'Provider',
              invoiceRef: 'INV',
              ...(commitmentId === undefined ? {} : { commitmentId }),
            },
            ctx,
          ),
        );
        break;
      }
      case 'commit': {
        const interventionId = interventionIds[step.scheme % interventionIds.length]!;
        const effectiveDate = DATES[step.date]!;
        const commitmentId = nextId(8);
        const amount = entryAmount(
          remainingPence(interventionId, effectiveDate),
          step.perMille,
          step.extraPence,
        );
        const folded = decide('commit', () =>
          decideRaiseCommitment(
            run.state,
            {
              potId: POT_ID,
              interventionId,
              commitmentId,
              amount: penceText(amount),
              effectiveDate,
              reference: 'PO',
            },
            ctx,
          ),
        );
        if (folded !== null) commitmentIds.push(commitmentId);
        break;
      }
      case 'release': {
        const open = commitmentIds.filter(
          (id) => !run.state.poolYear.commitments.get(id)!.outstanding.isZero(),
        );
        if (open.length === 0) break;
        const commitmentId = open[step.pick % open.length]!;
        const c = run.state.poolYear.commitments.get(commitmentId)!;
        const part =
          step.perMille === null ? null : (pence(c.outstanding) * BigInt(step.perMille)) / 1000n;
        decide('release', () =>
          decideReleaseCommitment(
            run.state,
            {
              potId: POT_ID,
              interventionId: c.interventionId,
              commitmentId,
              ...(part === null || part < 1n ? {} : { amount: penceText(part) }),
              ...(step.date === null ? {} : { effectiveDate: IN_YEAR[step.date]! }),
              reason: 'Order cut',
            },
            ctx,
          ),
        );
        break;
      }
      case 'forecast':
        decide('forecast', () =>
          decideRecordForecast(
            run.state,
            {
              potId: POT_ID,
              interventionId: interventionIds[step.scheme % interventionIds.length]!,
              forecastId: nextId(10),
              financialYear: FY,
              quarter: step.quarter,
              forecastOutturn: penceText(step.outturnPence),
              ...(step.explain ? { explanation: 'Demand' } : {}),
            },
            ctx,
          ),
        );
        break;
      case 'reverse': {
        const reversible = [...run.state.eventTargets]
          .filter(([, t]) =>
            step.poolYearOnly
              ? t.kind === 'spend' || t.kind === 'commitment' || t.kind === 'forecast'
              : t.kind !== 'not-reversible' && t.kind !== 'outcome',
          )
          .map(([id]) => id);
        if (reversible.length === 0) break;
        const eventId = reversible[step.pick % reversible.length]!;
        decide('reverse', () =>
          decideReverseEntry(
            run.state,
            {
              potId: POT_ID,
              eventId,
              reason: 'Correction',
              ...(step.date === null ? {} : { effectiveDate: IN_YEAR[step.date]! }),
            },
            ctx,
          ),
        );
        break;
      }
      case 'vary':
        decide('vary', () =>
          decideRecordAgreement(
            run.state,
            agreementCommand(partners, step.rules, agreementVersion),
            ctx,
          ),
        );
        agreementVersion += 1;
        break;
    }
  }

  // ---- year end ----
  const preview = previewSettlement(run.state, FY, ctx);
  const decided = decideSettleFinancialYear(run.state, { potId: POT_ID, financialYear: FY }, ctx);
  if (decided instanceof DomainError) throw decided;
  expect(decided).toHaveLength(1);
  const data = decided[0]!.data as FinancialYearSettled;
  expect(preview, 'the preview equals the settlement').toEqual(data);
  const settledEventId = fold(decided[0]!);
  expect(run.state.poolYear.settled.get(FY)).toBe(settledEventId);
  const again = decideSettleFinancialYear(run.state, { potId: POT_ID, financialYear: FY }, ctx);
  expect(again instanceof DomainError && again.code).toBe('ALREADY_SETTLED');
  // Funding of the year = spend of the year, for every scheme.
  for (const s of data.schemes) {
    const f = run.state.poolYear.years.get(FY)!.schemes.get(s.interventionId)!;
    let funding = 0n;
    for (const amount of f.funding.values()) funding += pence(amount);
    expect(funding, `funding of ${s.interventionId} = its spend`).toBe(pence(f.spent));
    expect(pence(f.spent)).toBe(pence(s.spent));
  }

  // ---- after the year: risk-share payments, reversals, late entries ----
  const owed = total(data.owedByPartners);
  let paid = 0n;
  for (const step of y.after) {
    switch (step.kind) {
      case 'pay': {
        const debtors = [...(run.state.poolYear.debts.get(FY) ?? new Map<string, Money>())]
          .filter(([, debt]) => debt.gt(0))
          .map(([agencyId]) => agencyId);
        if (debtors.length === 0) break;
        const agencyId = debtors[step.pick % debtors.length]!;
        const debt = pence(run.state.poolYear.debts.get(FY)!.get(agencyId)!);
        const part = (debt * BigInt(step.perMille)) / 1000n;
        const amount = step.overpay ? debt + 1n : part < 1n ? 1n : part;
        const folded = decide('pay', () =>
          decideContributeToPot(
            run.state,
            {
              potId: POT_ID,
              contributionId: nextId(3),
              agencyId,
              amount: penceText(amount),
              effectiveDate: PAID_ON[step.date]!,
              reference: 'RISK-SHARE',
              riskShareFor: FY,
            },
            ctx,
          ),
        );
        expect(folded === null, 'a payment beyond the debt is refused').toBe(step.overpay);
        if (folded !== null) {
          paid += amount;
          paymentEventIds.push(folded[0]!);
        }
        break;
      }
      case 'reversePayment': {
        if (paymentEventIds.length === 0) break;
        const eventId = paymentEventIds[step.pick % paymentEventIds.length]!;
        const c = [...run.state.contributions.values()].find((x) => x.eventId === eventId)!;
        const folded = decide('reversePayment', () =>
          decideReverseEntry(run.state, { potId: POT_ID, eventId, reason: 'Bounced' }, ctx),
        );
        if (folded !== null) paid -= pence(c.amount);
        break;
      }
      case 'reverse': {
        // Entries of the settled year are final.
        const ofYear = [...run.state.eventTargets]
          .filter(([, t]) => t.kind === 'spend' || t.kind === 'allocation')
          .map(([id]) => id);
        if (ofYear.length === 0) break;
        decide('reverse', () =>
          decideReverseEntry(
            run.state,
            {
              potId: POT_ID,
              eventId: ofYear[step.pick % ofYear.length]!,
              reason: 'Too late',
            },
            ctx,
          ),
        );
        break;
      }
      case 'lateSpend': {
        const d = decide('lateSpend', () =>
          decideRecordSpend(
            run.state,
            {
              potId: POT_ID,
              interventionId: interventionIds[step.scheme % interventionIds.length]!,
              spendId: nextId(7),
              amount: '1.00',
              effectiveDate: '2026-03-31',
              supplier: 'Provider',
              invoiceRef: 'LATE',
            },
            ctx,
          ),
        );
        expect(d).toBeNull();
        break;
      }
    }
    let outstanding = 0n;
    for (const debt of run.state.poolYear.debts.get(FY)?.values() ?? []) outstanding += pence(debt);
    expect(outstanding, 'Σ debts outstanding = Σ owed − Σ paid').toBe(owed - paid);
    const view = potSummary(run.books.state.potSummary, POT_ID)!;
    expect(pence(view.riskShareOutstanding ?? '0.00')).toBe(owed - paid);
  }

  const memo = memorandumAccount(run.books.state.poolYear, POT_ID, FY)!;
  expect(memo.settled).toBe(true);
  expect(memo.reconciliation.agrees, JSON.stringify(memo.reconciliation)).toBe(true);
  for (const year of ['2024-25', '2026-27']) {
    const other = memorandumAccount(run.books.state.poolYear, POT_ID, year)!;
    expect(other.reconciliation.agrees, `${year}: ${JSON.stringify(other.reconciliation)}`).toBe(
      true,
    );
  }
  return run;
}

const NUM_RUNS = Number(process.env['PROPS_RUNS'] ?? 100);

describe('a random pooled-fund year through the deciders', () => {
  it('keeps stakes, commitments, splits, budgets and the books in step; settles so funding = spend; debts = owed − paid; the preview equals the settlement', () => {
    fc.assert(
      fc.property(yearArbitrary, (y) => {
        runYear(y);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('reaches the rules it checks (a check on the generator)', () => {
    const seen = new Set<string>();
    for (const y of fc.sample(yearArbitrary, { numRuns: 40, seed: 7 }))
      runYear(y, (label) => seen.add(label));
    for (const label of [
      'spend:ok',
      'spend:BUDGET_EXCEEDED',
      'commit:ok',
      'commit:BUDGET_EXCEEDED',
      'release:ok',
      'forecast:ok',
      'reverse:ok',
      'reverse:YEAR_SETTLED',
      'vary:ok',
      'pay:ok',
      'pay:VALIDATION_FAILED',
      'reversePayment:ok',
      'lateSpend:YEAR_SETTLED',
    ])
      expect([...seen]).toContain(label);
  });
});
