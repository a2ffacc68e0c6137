/**
 * Answer schemas: written once, they type the handlers, check every answer and generate the
 * OpenAPI document. Request schemas live beside their deciders under commands/.
 */
import { z } from 'zod';
import { AGENCY_KINDS } from '../../events/primitives.ts';

/** An intervention as every answer names it (spread into each answer's own object). */
export const InterventionNamed = {
  interventionId: z.string(),
  name: z.string(),
  leadAgencyId: z.string(),
} as const;

export const MAX_PAGE_SIZE = 1_000;
export const DEFAULT_PAGE_SIZE = 100;

export const Position = z
  .string()
  .regex(/^\d+$/)
  .describe('Global log position: digits, strictly increasing; use as an opaque cursor');
const Money = z.string().describe('Amount in GBP, 2 decimal places');
const SignedMoney = z.string().describe('Amount in GBP, 2 decimal places, may be negative');
const Ratio = z
  .string()
  .nullable()
  .describe('Decimal ratio to 4 places; null when the denominator is zero');

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .describe('RFC 9457 problem details (application/problem+json)');

/**
 * The fields an object answered in its figures-only view withholds (src/http/plugins/readPolicy.ts): each
 * is null in the answer. Absent when nothing was withheld.
 */
export const Redacted = z
  .array(z.string())
  .readonly()
  .optional()
  .describe(
    'Withheld from this caller (figures only): paths of the fields set to null, e.g. "pendingApprovals[].requestedBy"; absent when nothing was withheld',
  );

export const Written = z.object({ eventId: z.string(), position: Position });

export const FundingShareView = z.object({ agencyId: z.string(), amount: Money });
export const FlowView = z.object({
  fromAgencyId: z.string(),
  toAgencyId: z.string(),
  amount: Money,
  cashable: z.boolean(),
});

export const AgencyView = z.object({
  agencyId: z.string(),
  name: z.string(),
  kind: z.enum(AGENCY_KINDS),
  registeredAt: z.string(),
  position: Position,
});

const Balances = {
  contributed: Money,
  drawn: Money,
  returned: Money,
  // Negative only in books read by effective date (asAt), see projections/potSummary.ts.
  stake: SignedMoney,
  benefitsReceived: Money,
  benefitsReceivedCashable: Money,
  benefitsReceivedNonCashable: Money,
  benefitsProducedForOthers: Money,
  netFiscalPosition: SignedMoney,
  /** Risk-share debts the pooled-fund settlements put on the agency (gross); present once it has had one. */
  riskShareOwed: Money.optional(),
  /** What it has paid of them; counted in netFiscalPosition as money it put in. */
  riskSharePaid: Money.optional(),
};
export const AgencyBalancesView = z.object({
  agencyId: z.string(),
  total: z.object(Balances),
  pots: z.array(z.object({ potId: z.string(), ...Balances })).readonly(),
});

export const PotSummaryView = z.object({
  potId: z.string(),
  name: z.string(),
  area: z.string(),
  hostAgencyId: z.string(),
  status: z.enum(['open', 'closed']),
  currency: z.string(),
  contributed: Money,
  allocated: Money,
  // Negative only in books read by effective date (asAt), see projections/potSummary.ts.
  available: SignedMoney,
  riskShareOwed: Money.optional().describe(
    'Risk-share debts the settlements put on the partners (funding without a stake)',
  ),
  riskSharePaid: Money.optional().describe(
    'Risk-share payments received: they pay debts and are not in contributed',
  ),
  riskShareOutstanding: SignedMoney.optional(),
  settledFinancialYears: z.array(z.string()).readonly().optional(),
  partners: z
    .array(
      z.object({
        agencyId: z.string(),
        contributed: Money,
        drawn: Money,
        returned: Money,
        stake: SignedMoney,
        riskShareOwed: Money.optional(),
        riskSharePaid: Money.optional(),
        riskShareOutstanding: SignedMoney.optional(),
      }),
    )
    .readonly(),
  interventions: z
    .array(
      z.object({
        ...InterventionNamed,
        funded: Money,
        spent: SignedMoney.optional().describe(
          'Net spend recorded against it (pooled-fund pots: those with an agreement)',
        ),
        benefits: Money,
      }),
    )
    .readonly(),
  approvalThreshold: Money.nullable(),
  pendingApprovals: z
    .array(
      z.object({
        allocationId: z.string(),
        interventionId: z.string(),
        amount: Money,
        effectiveDate: z.string(),
        reason: z.string().nullable().describe('null when withheld (see `redacted`)'),
        requestedBy: z
          .object({ sub: z.string(), role: z.string(), agencyId: z.string().optional() })
          .nullable()
          .describe('null when withheld (see `redacted`)'),
        requestedAt: z.string(),
        eventId: z.string(),
      }),
    )
    .readonly(),
  closedFinancialYears: z.array(z.string()).readonly(),
  agreedContributions: z
    .array(
      z.object({
        agencyId: z.string(),
        financialYear: z.string(),
        agreed: Money,
        received: Money.describe(
          'Contributions dated in the financial year, net of their reversals',
        ),
        outstanding: Money.describe('max(agreed − received, 0)'),
        overpaid: Money.describe('max(received − agreed, 0)'),
        boardDecisionRef: z.string(),
        versions: z
          .number()
          .int()
          .describe('1 for the original agreement, 2 after its first variation, …'),
      }),
    )
    .readonly(),
  openedAt: z.string(),
  position: Position,
  redacted: Redacted,
});

/** A correction of a closed year, as every year-filtered report lists it (projections/reportingYear.ts). */
export const PriorPeriodAdjustmentView = z
  .object({
    position: Position,
    eventId: z.string(),
    type: z.enum([
      'ContributionReceived',
      'ContributionReversed',
      'FundsAllocated',
      'AllocationReversed',
      'OutcomeRecorded',
      'OutcomeRetracted',
    ]),
    effectiveDate: z
      .string()
      .describe("The date it is booked on: it counts in this date's financial year"),
    forFinancialYear: z
      .string()
      .describe("The closed financial year it corrects; that year's own figures never move"),
    amount: SignedMoney.describe(
      'What it moves where it counts: contributions, allocations or benefits; negative for a reversal or retraction',
    ),
  })
  .describe(
    'A prior-period adjustment: counted in the year it is dated in, labelled with the closed year it corrects',
  );

export const FlowsView = z.object({
  rows: z
    .array(
      z.object({
        fromAgencyId: z.string(),
        toAgencyId: z.string(),
        amount: SignedMoney,
        cashableAmount: SignedMoney,
      }),
    )
    .readonly()
    .describe(
      "Net per pair; with a financialYear, entries dated in it (a retraction of an earlier year's outcome counts, negative, in the year it is dated in)",
    ),
  agencies: z
    .array(
      z.object({
        agencyId: z.string(),
        invested: SignedMoney,
        benefitsProduced: SignedMoney,
        benefitsReceived: SignedMoney,
        returnPerPound: Ratio,
        wrongPocketShare: Ratio,
      }),
    )
    .readonly(),
  priorPeriodAdjustments: z.array(PriorPeriodAdjustmentView).readonly(),
});

export const AuditEntryView = z.object({
  position: Position,
  eventId: z.string(),
  type: z.string(),
  streamId: z.string(),
  recordedAt: z.string(),
  effectiveDate: z.string().optional(),
  actor: z.object({ sub: z.string(), role: z.string(), agencyId: z.string().optional() }),
  commandId: z.string(),
  correlationId: z.string(),
  causationId: z.string().optional(),
  reason: z.string().optional(),
  summary: z.string(),
  amount: z
    .string()
    .optional()
    .describe('The money the event moves (its amount, or the sum of its lines); absent when none'),
  reversedEventId: z
    .string()
    .optional()
    .describe('A reversal or retraction: the event id of the entry it undoes'),
  potId: z.string().optional(),
  agencyIds: z.array(z.string()).readonly(),
});

export const RawEventView = z.object({
  position: Position,
  eventId: z.string(),
  type: z.string(),
  streamId: z.string(),
  streamRevision: z.string().regex(/^\d+$/),
  data: z.unknown(),
  metadata: z.record(z.string(), z.unknown()),
});

/** Stores keep positions in signed 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT). */
export const MAX_POSITION = 9_223_372_036_854_775_807n;
const POSITION_PATTERN = /^\d{1,19}$/;

/** Query-string position: digits only, read as bigint so it never loses precision. */
export const PositionParam = z
  .string()
  .regex(POSITION_PATTERN, { message: 'must be a log position (digits)' })
  // zod runs refinements even after the pattern failed: test it again before BigInt().
  .refine((s) => POSITION_PATTERN.test(s) && BigInt(s) <= MAX_POSITION, {
    message: `must be at most ${MAX_POSITION}`,
  })
  .transform((s) => BigInt(s));

export const LimitParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_SIZE)
  .default(DEFAULT_PAGE_SIZE);

export const errorResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
  503: ProblemSchema,
};
