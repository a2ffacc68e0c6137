/** The answer schema of GET /v1/pots/:potId/cba (see projections/costBenefit.ts). */
import { z } from 'zod';
import { PriorPeriodAdjustmentView, Redacted, InterventionNamed } from '../schemas.ts';

const Money = z
  .string()
  .describe('Amount in GBP, 2 decimal places, rounded once from `exact`; may be negative');
const Inputs = z
  .record(z.string(), z.string())
  .describe('The values the formula was applied to, as written in the report');

const Figure = z.object({
  value: Money,
  exact: z.string().describe('The working value before rounding, to 10 decimal places'),
  formula: z.string(),
  inputs: Inputs,
});

const PresentValue = Figure.extend({
  cashable: Money.describe(
    'The rounded PV split in proportion to the cashable and non-cashable benefits, by largest remainder',
  ),
  nonCashable: Money,
});

const UpratedLine = z.object({
  unitCostCode: z.string(),
  version: z.number().int(),
  quantity: z.string(),
  unitAmount: Money,
  amount: Money.describe(
    "quantity × unit amount in the entry's price year, as the outcome recorded it",
  ),
  fromYear: z.string().describe('The price year of the catalogue entry'),
  toYear: z.string().describe("The report's base year"),
  fromIndex: z.string(),
  toIndex: z.string(),
  upratedAmount: Money.describe('amount × toIndex ÷ fromIndex, rounded half-up to the penny'),
  parts: z
    .array(
      z.object({
        agencyId: z.string(),
        cashable: z.boolean(),
        amount: Money,
        upratedAmount: Money,
      }),
    )
    .readonly(),
});

const Gross = Figure.extend({
  total: Money,
  cashable: Money,
  nonCashable: Money,
  outcomes: z
    .array(
      z.object({
        outcomeId: z.string(),
        financialYear: z.string().describe('The year the outcome is dated in'),
        amount: Money.describe(
          "In base-year prices: Σ inPounds + Σ lines.upratedAmount; negative when what counts in the report's year is the outcome's retraction (dated in it, the outcome in an earlier year)",
        ),
        retraction: z
          .object({
            eventId: z.string(),
            financialYear: z
              .string()
              .describe('The year the retraction is dated in, which it counts in'),
            priorPeriodAdjustment: z.string().optional().describe('The closed year it corrects'),
          })
          .optional()
          .describe("On a negative row only: the retraction counted in the report's year"),
        inPounds: z
          .array(z.object({ agencyId: z.string(), cashable: z.boolean(), amount: Money }))
          .readonly()
          .describe(
            'Benefits given directly in pounds: no price year, taken as already in base-year prices',
          ),
        lines: z.array(UpratedLine).readonly(),
      }),
    )
    .readonly()
    .optional(),
});

const Return = z.object({
  value: z
    .string()
    .nullable()
    .describe('Ratio to 4 decimal places; null (n/a) when the cost is zero'),
  formula: z.string(),
  inputs: Inputs,
});

const Payback = z.object({
  value: z
    .number()
    .int()
    .nullable()
    .describe(
      'First year (0 = the year the benefit is recorded) whose cumulative PV reaches the cost',
    ),
  formula: z.string(),
  inputs: Inputs,
});

const WhoBenefits = z
  .array(
    z.object({
      agencyId: z.string(),
      grossCashable: Money,
      grossNonCashable: Money,
      presentValueCashable: Money,
      presentValueNonCashable: Money,
      shareFactor: z.string().describe('Exact PV ÷ gross for this agency ("n/a" without gross)'),
      formula: z.string(),
      inputs: Inputs,
    }),
  )
  .readonly();

const Headline = {
  grossBenefits: Gross,
  presentValueOfBenefits: PresentValue,
  cost: Figure,
  netPresentBudgetImpact: Figure,
  financialReturnOnInvestment: Return,
  paybackYear: Payback,
  whoBenefits: WhoBenefits,
};

export const CostBenefitReportView = z.object({
  potId: z.string(),
  name: z.string(),
  scope: z.object({
    interventionId: z.string().optional(),
    financialYear: z.string().optional(),
    baseYear: z.string().optional(),
  }),
  method: z.object({
    discountRatePercent: z.string(),
    exactDecimalPlaces: z.number().int(),
    rounding: z.string(),
    prices: z.object({
      baseYear: z.string(),
      baseYearSource: z.enum(['asked', 'financial-year', 'latest-in-series']),
      deflator: z.string(),
      baseYearIndex: z.string(),
      rule: z.string(),
    }),
  }),
  interventions: z
    .array(
      z.object({
        ...InterventionNamed,
        assumptions: z.object({
          deadweightPercent: z.string(),
          attributionPercent: z.string(),
          optimismBiasPercent: z.string(),
          benefitProfile: z.array(z.string()).readonly(),
          source: z.enum(['default', 'set']),
          setAt: z.string().optional(),
          setBy: z
            .string()
            .nullable()
            .optional()
            .describe('The user who set them; null when withheld (see `redacted`)'),
          eventId: z.string().optional(),
          reason: z.string().nullable().optional().describe('null when withheld (see `redacted`)'),
          changes: z.number().int(),
        }),
        netOfDeadweight: Figure,
        afterAttribution: Figure,
        adjustedAnnualBenefit: Figure,
        years: z
          .array(
            z.object({
              year: z.number().int(),
              profilePercent: z.string(),
              benefit: Figure,
              discountFactor: z.string(),
              presentValue: Figure,
              cumulativePresentValue: Money,
            }),
          )
          .readonly(),
        ...Headline,
        outcomePayments: z
          .object({
            paid: Money,
            claims: z
              .array(
                z.object({
                  claimId: z.string(),
                  code: z.string(),
                  amount: Money,
                  paidOn: z.string(),
                  financialYear: z.string(),
                  outcomeId: z
                    .string()
                    .optional()
                    .describe('The outcome the payment evidences (see grossBenefits.outcomes)'),
                }),
              )
              .readonly(),
          })
          .optional()
          .describe(
            "Payment by results: the intervention's paid outcome claims in scope, next to the outcomes they evidence. Spent from the intervention's funding, so already inside `cost`",
          ),
      }),
    )
    .readonly(),
  pot: z.object(Headline),
  redacted: Redacted,
  priorPeriodAdjustments: z
    .array(PriorPeriodAdjustmentView)
    .readonly()
    .describe(
      'Allocations, outcomes and their reversals in scope that correct a closed year: counted in the year they are dated in, labelled with the year they correct',
    ),
});
