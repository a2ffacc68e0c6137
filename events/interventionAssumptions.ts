/**
 * The cost-benefit assumptions of an intervention (HM Treasury / New Economy method): how much
 * of the outcome would have happened anyway (deadweight), how much of the rest is due to this
 * intervention (attribution), the optimism-bias correction, and how the benefit is profiled
 * over the years. Each change is a new event in the pot's stream, with a reason; the latest
 * one is in force.
 */
import { z } from 'zod';
import { PERCENT_PATTERN } from './money.ts';
import { MAX_REASON_CHARS, Ulid, storedText } from './primitives.ts';

/** Benefits are profiled over at most this many years (year 0 and the nine after it). */
export const MAX_BENEFIT_PROFILE_YEARS = 10;

export const Percent = z
  .string()
  .regex(PERCENT_PATTERN, {
    message:
      'must be a percentage from 0 to 100 as a decimal string with at most 2 decimal places, e.g. "12.5"',
  })
  .meta({
    description: 'Percentage as a decimal string, 0 to 100, at most 2 decimal places',
    example: '12.5',
  });

export const BenefitProfile = z
  .array(Percent)
  .min(1)
  .max(MAX_BENEFIT_PROFILE_YEARS)
  .describe(
    `Percent of the adjusted annual benefit counted in year 0, 1, 2, … (at most ${MAX_BENEFIT_PROFILE_YEARS} years), e.g. ["100", "60", "30"]`,
  );

export const InterventionAssumptionsSetV1 = z.strictObject({
  potId: Ulid,
  interventionId: Ulid,
  deadweightPercent: Percent,
  attributionPercent: Percent,
  optimismBiasPercent: Percent,
  benefitProfile: BenefitProfile,
  reason: storedText(MAX_REASON_CHARS, { multiline: true }),
});

export type InterventionAssumptionsSet = z.infer<typeof InterventionAssumptionsSetV1>;

/**
 * In force until someone sets assumptions: the gross figures unadjusted, counted once. The
 * report marks them as defaults so nobody mistakes them for an appraised judgement.
 */
export const DEFAULT_ASSUMPTIONS = {
  deadweightPercent: '0',
  attributionPercent: '100',
  optimismBiasPercent: '0',
  benefitProfile: ['100'],
} as const;
