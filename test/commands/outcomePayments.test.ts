/**
 * Outcome payments (payment by results): every rule and refusal of the rate card, the claim,
 * its validation by someone other than the claimant, its payment and its rejection. Today is
 * 2026-01-15; intervention 1 (lead: probation) has a 2025-26 budget of £1,000.00.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideClaimOutcome,
  decidePayClaim,
  decideRecordRateCard,
  decideRejectClaim,
  decideValidateClaim,
  type ClaimOutcome,
  type RecordRateCard,
} from '../../commands/outcomePayments.ts';
import { standingUnderContract } from '../../commands/outcomePaymentState.ts';
import { evolvePot, type PotState } from '../../commands/potState.ts';
import { DomainError } from '../../commands/domainError.ts';
import { money } from '../../events/money.ts';
import type { PotEvent } from '../../events/pot.ts';
import {
  benefit,
  flow,
  interventionId,
  outcomeId,
  outcomeRecorded,
  outcomeRetracted,
  POT_ID,
  UNKNOWN_ID,
} from './fixtures.ts';
import { blockingAgreement, funded, fundedWithoutAgreement } from './poolYearFixtures.ts';
import { ADMIN, AGENCY, financeOfficerOf, given, testUlid, type GivenEvent } from './spec.ts';

const { cc, police, probation, dwp } = AGENCY;
type Of<T extends PotEvent['type']> = Extract<PotEvent, { type: T }>;

const claimId = (n: number): string => testUlid(20, n);
const paymentSpendId = (n: number): string => testUlid(21, n);
const EMPLOYMENT = 'TF-SUSTAINED-EMPLOYMENT';
const ATTENDANCE = 'TF-SCHOOL-ATTENDANCE';
const claimant = financeOfficerOf(police);
const validator = financeOfficerOf(cc);
const ref = (actor: { sub: string; role: string; agencyId?: string }) => ({ ...actor });

const OUTCOMES: RecordRateCard['outcomes'] = [
  {
    code: EMPLOYMENT,
    definition: 'An adult of the family in work for 26 weeks out of 30',
    evidenceRequired: 'DWP employment record',
    price: '800.00',
    maxClaimsPerParticipant: 1,
    claimWindowDays: 365,
  },
  {
    code: ATTENDANCE,
    definition: 'Every child of the family attends school 90% of three terms',
    evidenceRequired: 'School attendance returns',
    price: '400.00',
    maxClaimsPerParticipant: 2,
    claimWindowDays: 90,
  },
];

function recordRateCard(o: Partial<RecordRateCard> = {}): RecordRateCard {
  return {
    potId: POT_ID,
    interventionId: interventionId(1),
    contractRef: 'TF-ESSEX-2025',
    capPerContract: '2000.00',
    outcomes: OUTCOMES,
    ...o,
  };
}

function rateCardRecorded(o: Partial<Of<'RateCardRecorded'>['data']> = {}): Of<'RateCardRecorded'> {
  return {
    type: 'RateCardRecorded',
    data: {
      potId: POT_ID,
      interventionId: interventionId(1),
      version: 1,
      contractRef: 'TF-ESSEX-2025',
      capPerContract: '2000.00',
      outcomes: OUTCOMES,
      ...o,
    },
  };
}

function claim(o: Partial<ClaimOutcome> = {}): ClaimOutcome {
  return {
    potId: POT_ID,
    interventionId: interventionId(1),
    claimId: claimId(1),
    code: EMPLOYMENT,
    participantRef: 'P-0001',
    outcomeDate: '2025-12-01',
    evidenceRef: 'DWP-REC-1',
    ...o,
  };
}

function claimed(n: number, o: Partial<Of<'OutcomeClaimed'>['data']> = {}): Of<'OutcomeClaimed'> {
  const code = o.code ?? EMPLOYMENT;
  return {
    type: 'OutcomeClaimed',
    data: {
      potId: POT_ID,
      claimId: claimId(n),
      interventionId: interventionId(1),
      rateCardVersion: 1,
      contractRef: 'TF-ESSEX-2025',
      code,
      participantRef: `P-${n}`,
      outcomeDate: '2025-12-01',
      evidenceRef: `DWP-REC-${n}`,
      price: code === EMPLOYMENT ? '800.00' : '400.00',
      claimedBy: ref(claimant),
      ...o,
    },
  };
}

const validated = (n: number): Of<'ClaimValidated'> => ({
  type: 'ClaimValidated',
  data: { potId: POT_ID, claimId: claimId(n), validatedBy: ref(validator) },
});

const rejected = (n: number): Of<'ClaimRejected'> => ({
  type: 'ClaimRejected',
  data: { potId: POT_ID, claimId: claimId(n), reason: 'No evidence', rejectedBy: ref(validator) },
});

const withCard = (card = rateCardRecorded()): GivenEvent<PotEvent>[] => [...funded(), card];

describe('RecordRateCard', () => {
  it('an admin records version 1 of an intervention’s rate card', () => {
    given(funded())
      .when((s, c) => decideRecordRateCard(s, recordRateCard(), c))
      .then([rateCardRecorded()]);
  });

  it('is admin only (FORBIDDEN)', () => {
    given(funded())
      .when((s, c) => decideRecordRateCard(s, recordRateCard(), c), { actor: validator })
      .thenRefuses('FORBIDDEN');
  });

  it('needs the intervention (NOT_FOUND)', () => {
    given(funded())
      .when((s, c) => decideRecordRateCard(s, recordRateCard({ interventionId: UNKNOWN_ID }), c))
      .thenRefuses('NOT_FOUND');
  });

  it('co-payers’ basis points sum to 10000 and name partners', () => {
    const spec = given(funded());
    spec
      .when((s, c) =>
        decideRecordRateCard(
          s,
          recordRateCard({ coPayers: [{ agencyId: cc, basisPoints: 6000 }] }),
          c,
        ),
      )
      .thenRefuses('VALIDATION_FAILED', { total: 6000 });
    spec
      .when((s, c) =>
        decideRecordRateCard(
          s,
          recordRateCard({
            coPayers: [
              { agencyId: cc, basisPoints: 6000 },
              { agencyId: dwp, basisPoints: 4000 },
            ],
          }),
          c,
        ),
      )
      .thenRefuses('NOT_A_PARTNER', { agencyIds: [dwp] });
  });

  it('each outcome code appears once', () => {
    given(funded())
      .when((s, c) =>
        decideRecordRateCard(s, recordRateCard({ outcomes: [OUTCOMES[0]!, OUTCOMES[0]!] }), c),
      )
      .thenRefuses('VALIDATION_FAILED');
  });

  it('a replacement names the version in force; without it ALREADY_EXISTS, a stale one AGREEMENT_VERSION_CONFLICT', () => {
    const spec = given(withCard());
    spec
      .when((s, c) => decideRecordRateCard(s, recordRateCard(), c))
      .thenRefuses('ALREADY_EXISTS', { current: 1 });
    spec
      .when((s, c) => decideRecordRateCard(s, recordRateCard({ replaces: 2 }), c))
      .thenRefuses('AGREEMENT_VERSION_CONFLICT', { current: 1 });
    spec
      .when((s, c) =>
        decideRecordRateCard(s, recordRateCard({ replaces: 1, capPerContract: '3000.00' }), c),
      )
      .then([rateCardRecorded({ version: 2, replaces: 1, capPerContract: '3000.00' })]);
  });
});

describe('ClaimOutcome', () => {
  it('a finance officer of a partner claims an outcome on the rate card in force, at its price', () => {
    given(withCard())
      .when((s, c) => decideClaimOutcome(s, claim(), c), { actor: claimant })
      .then([claimed(1, { participantRef: 'P-0001', evidenceRef: 'DWP-REC-1' })]);
  });

  it('names the outcome it evidences, which must be a standing outcome of the intervention', () => {
    const outcome = outcomeRecorded(
      [benefit(cc, '100.00', true)],
      [flow(probation, cc, '100.00', true)],
    );
    const spec = given([...withCard(), outcome]);
    spec
      .when((s, c) => decideClaimOutcome(s, claim({ outcomeId: outcomeId(1) }), c), {
        actor: claimant,
      })
      .then([
        claimed(1, { participantRef: 'P-0001', evidenceRef: 'DWP-REC-1', outcomeId: outcomeId(1) }),
      ]);
    spec
      .when((s, c) => decideClaimOutcome(s, claim({ outcomeId: outcomeId(2) }), c), {
        actor: claimant,
      })
      .thenRefuses('NOT_FOUND');
    given([...withCard(), outcome, outcomeRetracted(testUlid(1, 7), outcome)])
      .when((s, c) => decideClaimOutcome(s, claim({ outcomeId: outcomeId(1) }), c), {
        actor: claimant,
      })
      .thenRefuses('VALIDATION_FAILED');
  });

  it('a finance officer of a non-partner may not claim (FORBIDDEN)', () => {
    given(withCard())
      .when((s, c) => decideClaimOutcome(s, claim(), c), { actor: financeOfficerOf(dwp) })
      .thenRefuses('FORBIDDEN');
  });

  it('needs a rate card (NOT_FOUND) and a code on it (VALIDATION_FAILED)', () => {
    given(funded())
      .when((s, c) => decideClaimOutcome(s, claim(), c), { actor: claimant })
      .thenRefuses('NOT_FOUND');
    given(withCard())
      .when((s, c) => decideClaimOutcome(s, claim({ code: 'TF-NOT-ON-CARD' }), c), {
        actor: claimant,
      })
      .thenRefuses('VALIDATION_FAILED', { rateCardVersion: 1 });
  });

  it('the outcome date is not in the future and within the claim window', () => {
    const spec = given(withCard());
    spec
      .when((s, c) => decideClaimOutcome(s, claim({ outcomeDate: '2026-01-16' }), c), {
        actor: claimant,
      })
      .thenRefuses('VALIDATION_FAILED');
    // TF-SCHOOL-ATTENDANCE: 90 days before 2026-01-15 is 2025-10-17.
    spec
      .when(
        (s, c) => decideClaimOutcome(s, claim({ code: ATTENDANCE, outcomeDate: '2025-10-16' }), c),
        { actor: claimant },
      )
      .thenRefuses('VALIDATION_FAILED', { earliest: '2025-10-17', claimWindowDays: 90 });
    spec
      .when(
        (s, c) => decideClaimOutcome(s, claim({ code: ATTENDANCE, outcomeDate: '2025-10-17' }), c),
        { actor: claimant },
      )
      .then([
        claimed(1, {
          code: ATTENDANCE,
          participantRef: 'P-0001',
          evidenceRef: 'DWP-REC-1',
          outcomeDate: '2025-10-17',
        }),
      ]);
  });

  it('at most maxClaimsPerParticipant standing claims per participant and code; a rejected one no longer counts', () => {
    const first = claimed(1, { participantRef: 'P-0001' });
    given([...withCard(), first])
      .when((s, c) => decideClaimOutcome(s, claim({ claimId: claimId(2) }), c), {
        actor: claimant,
      })
      .thenRefuses('VALIDATION_FAILED', { standing: 1, maxClaimsPerParticipant: 1 });
    given([...withCard(), first, rejected(1)])
      .when((s, c) => decideClaimOutcome(s, claim({ claimId: claimId(2) }), c), {
        actor: claimant,
      })
      .then([claimed(2, { participantRef: 'P-0001', evidenceRef: 'DWP-REC-1' })]);
  });

  it('refuses the claim that would take the contract past its cap (CLAIM_CAP_EXCEEDED); exactly at the cap is fine', () => {
    const card = rateCardRecorded({ capPerContract: '2000.00' });
    // 800 + 800 + 400 = 2000: at the cap.
    const history = [...withCard(card), claimed(1), claimed(2)];
    given(history)
      .when(
        (s, c) =>
          decideClaimOutcome(
            s,
            claim({ claimId: claimId(3), code: ATTENDANCE, outcomeDate: '2026-01-01' }),
            c,
          ),
        { actor: claimant },
      )
      .then([
        claimed(3, {
          code: ATTENDANCE,
          participantRef: 'P-0001',
          evidenceRef: 'DWP-REC-1',
          outcomeDate: '2026-01-01',
        }),
      ]);
    given([...history, claimed(3, { code: ATTENDANCE })])
      .when((s, c) => decideClaimOutcome(s, claim({ claimId: claimId(4) }), c), {
        actor: claimant,
      })
      .thenRefuses('CLAIM_CAP_EXCEEDED', {
        capPerContract: '2000.00',
        standing: '2000.00',
        price: '800.00',
      });
  });

  it('validated and paid claims count against the cap; rejected ones do not', () => {
    const card = rateCardRecorded({ capPerContract: '1600.00' });
    given([...withCard(card), claimed(1), validated(1), claimed(2)])
      .when((s, c) => decideClaimOutcome(s, claim({ claimId: claimId(3) }), c), {
        actor: claimant,
      })
      .thenRefuses('CLAIM_CAP_EXCEEDED');
    given([...withCard(card), claimed(1), claimed(2), rejected(2)])
      .when((s, c) => decideClaimOutcome(s, claim({ claimId: claimId(3) }), c), {
        actor: claimant,
      })
      .then([claimed(3, { participantRef: 'P-0001', evidenceRef: 'DWP-REC-1' })]);
  });
});

describe('ValidateClaim', () => {
  it('someone other than the claimant validates', () => {
    given([...withCard(), claimed(1)])
      .when((s, c) => decideValidateClaim(s, { potId: POT_ID, claimId: claimId(1) }, c), {
        actor: validator,
      })
      .then([validated(1)]);
  });

  it('the claimant may not validate their own claim (SEGREGATION_OF_DUTIES)', () => {
    given([...withCard(), claimed(1)])
      .when((s, c) => decideValidateClaim(s, { potId: POT_ID, claimId: claimId(1) }, c), {
        actor: claimant,
      })
      .thenRefuses('SEGREGATION_OF_DUTIES', { claimId: claimId(1) });
  });

  it('an unknown claim is NOT_FOUND; a decided one ALREADY_DECIDED', () => {
    given(withCard())
      .when((s, c) => decideValidateClaim(s, { potId: POT_ID, claimId: claimId(1) }, c))
      .thenRefuses('NOT_FOUND');
    given([...withCard(), claimed(1), validated(1)])
      .when((s, c) => decideValidateClaim(s, { potId: POT_ID, claimId: claimId(1) }, c))
      .thenRefuses('ALREADY_DECIDED', { status: 'validated' });
  });
});

describe('RejectClaim', () => {
  it('a claimed or validated claim is rejected with a reason', () => {
    given([...withCard(), claimed(1), validated(1)])
      .when(
        (s, c) =>
          decideRejectClaim(s, { potId: POT_ID, claimId: claimId(1), reason: 'No evidence' }, c),
        { actor: validator },
      )
      .then([rejected(1)]);
  });

  it('a rejected claim cannot be rejected again (ALREADY_DECIDED)', () => {
    given([...withCard(), claimed(1), rejected(1)])
      .when((s, c) =>
        decideRejectClaim(s, { potId: POT_ID, claimId: claimId(1), reason: 'Again' }, c),
      )
      .thenRefuses('ALREADY_DECIDED', { status: 'rejected' });
  });
});

describe('PayClaim', () => {
  const pay = (n: number, effectiveDate = '2026-01-10') => ({
    potId: POT_ID,
    claimId: claimId(n),
    spendId: paymentSpendId(n),
    effectiveDate,
  });
  const paid = (
    n: number,
    payerShares: { agencyId: string; amount: string }[],
    amount = '800.00',
  ): Of<'ClaimPaid'> => ({
    type: 'ClaimPaid',
    data: {
      potId: POT_ID,
      claimId: claimId(n),
      spendId: paymentSpendId(n),
      interventionId: interventionId(1),
      amount,
      effectiveDate: '2026-01-10',
      payerShares,
      paidBy: ref(validator),
    },
  });

  it('a validated claim is paid as spend of the intervention, by the lead agency when there are no co-payers', () => {
    const spec = given([...withCard(), claimed(1), validated(1)]);
    spec
      .when((s, c) => decidePayClaim(s, pay(1), c), { actor: validator })
      .then([paid(1, [{ agencyId: probation, amount: '800.00' }])]);
  });

  it('the scheme’s spent figure counts paid claims', () => {
    const spec = given([
      ...withCard(),
      claimed(1),
      validated(1),
      paid(1, [{ agencyId: probation, amount: '800.00' }]),
    ]);
    const year = spec.state.poolYear.years.get('2025-26')!.schemes.get(interventionId(1))!;
    expect(year.spent.toFixed(2)).toBe('800.00');
  });

  it('co-payers share the price by largest remainder, ties by agency id', () => {
    const card = rateCardRecorded({
      capPerContract: '2000.00',
      coPayers: [
        { agencyId: police, basisPoints: 3333 },
        { agencyId: cc, basisPoints: 3333 },
        { agencyId: probation, basisPoints: 3334 },
      ],
      outcomes: [{ ...OUTCOMES[0]!, price: '0.10' }],
    });
    given([...withCard(card), claimed(1, { price: '0.10' }), validated(1)])
      .when((s, c) => decidePayClaim(s, pay(1), c), { actor: validator })
      .then([
        paid(
          1,
          [
            { agencyId: cc, amount: '0.03' },
            { agencyId: police, amount: '0.03' },
            { agencyId: probation, amount: '0.04' },
          ],
          '0.10',
        ),
      ]);
  });

  it('only a validated claim is paid (ALREADY_DECIDED), and not by the claimant (SEGREGATION_OF_DUTIES)', () => {
    given([...withCard(), claimed(1)])
      .when((s, c) => decidePayClaim(s, pay(1), c), { actor: validator })
      .thenRefuses('ALREADY_DECIDED', { status: 'claimed' });
    given([...withCard(), claimed(1), validated(1)])
      .when((s, c) => decidePayClaim(s, pay(1), c), { actor: claimant })
      .thenRefuses('SEGREGATION_OF_DUTIES');
  });

  it('paying needs spend tracking (SPEND_TRACKING_OFF)', () => {
    given([...fundedWithoutAgreement, rateCardRecorded(), claimed(1), validated(1)])
      .when((s, c) => decidePayClaim(s, pay(1), c), { actor: validator })
      .thenRefuses('SPEND_TRACKING_OFF');
  });

  it('is not dated before the outcome it pays for', () => {
    given([...withCard(), claimed(1), validated(1)])
      .when((s, c) => decidePayClaim(s, pay(1, '2025-11-30'), c), { actor: validator })
      .thenRefuses('VALIDATION_FAILED');
  });

  it('the agreement’s overspend policy applies: `block` refuses a payment beyond the budget (BUDGET_EXCEEDED)', () => {
    const card = rateCardRecorded({ capPerContract: '5000.00' });
    const history = [
      ...funded(blockingAgreement()),
      card,
      claimed(1),
      validated(1),
      paid(1, [{ agencyId: probation, amount: '800.00' }]),
      claimed(2),
      validated(2),
    ];
    given(history)
      .when((s, c) => decidePayClaim(s, pay(2), c), { actor: validator })
      .thenRefuses('BUDGET_EXCEEDED');
  });
});

describe('the cap is never passed (property)', () => {
  type Step =
    | { kind: 'claim'; code: string; participant: number; actor: number }
    | { kind: 'reject'; pick: number }
    | { kind: 'validate'; pick: number };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('claim' as const),
        code: fc.constantFrom(EMPLOYMENT, ATTENDANCE),
        participant: fc.integer({ min: 1, max: 6 }),
        actor: fc.integer({ min: 0, max: 2 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('validate' as const), pick: fc.nat() }) },
  );
  const actors = [claimant, financeOfficerOf(cc), ADMIN];

  it('whatever claims race (decided on the same state, the losers retried on the new one), standing claims never pass the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }).map((n) => `${n * 100}.00`),
        fc.array(fc.array(stepArb, { minLength: 1, maxLength: 5 }), { maxLength: 12 }),
        (cap, batches) => {
          const history = withCard(rateCardRecorded({ capPerContract: cap }));
          let state = given(history).state;
          let position = history.length;
          let n = 0;
          const append = (events: readonly PotEvent[]): void => {
            for (const event of events)
              state = evolvePot(state, { ...event, eventId: testUlid(30, ++position) });
          };
          const decideStep = (s: PotState, step: Step, id: string) => {
            const context = {
              actor: actors[step.kind === 'claim' ? step.actor : 1]!,
              now: '2026-01-15T10:00:00.000Z',
              registeredAgencies: new Set(Object.values(AGENCY)),
            };
            const claims = [...s.outcomePayments.claims.keys()];
            if (step.kind === 'claim')
              return decideClaimOutcome(
                s,
                claim({ claimId: id, code: step.code, participantRef: `P-${step.participant}` }),
                context,
              );
            if (claims.length === 0) return [];
            const target = claims[step.pick % claims.length]!;
            return step.kind === 'reject'
              ? decideRejectClaim(s, { potId: POT_ID, claimId: target, reason: 'no' }, context)
              : decideValidateClaim(s, { potId: POT_ID, claimId: target }, context);
          };
          for (const batch of batches) {
            // All decided on one version of the stream: the store appends one, the others
            // conflict and are decided again on the state after it (optimistic concurrency).
            const ids = batch.map(() => claimId(1000 + ++n));
            let pending = batch.map((step, i) => ({ step, id: ids[i]! }));
            while (pending.length > 0) {
              const decisions = pending.map((p) => decideStep(state, p.step, p.id));
              const winner = decisions.findIndex((d) => !(d instanceof DomainError));
              if (winner === -1) break;
              append(decisions[winner] as readonly PotEvent[]);
              pending = pending.filter((_, i) => i !== winner);
              const standing = standingUnderContract(
                state.outcomePayments,
                interventionId(1),
                'TF-ESSEX-2025',
              );
              expect(standing.lte(money(cap))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
