import { z } from 'zod';
import {
  formatAmount,
  isValidAmount,
  MAX_AMOUNT,
  parseAmount,
  splitLargestRemainder,
  ZERO,
  type Money,
} from '../events/money.ts';
import type { Benefit, BenefitFlow, OutcomeRecorded, PotEvent } from '../events/pot.ts';
import { Benefit as BenefitSchema, OutcomeRecordedV1 } from '../events/pot.ts';
import {
  EffectiveDate,
  eventDataBytes,
  FinancialYear,
  MAX_BENEFIT_LINES,
  MAX_DESCRIPTION_CHARS,
  MAX_EVENT_DATA_BYTES,
  MAX_EVIDENCE_REF_CHARS,
  MAX_FLOWS_PER_OUTCOME,
  text,
} from '../events/primitives.ts';
import type { CommandContext } from './context.ts';
import { refused, type Decision } from './decision.ts';
import { DomainError } from './domainError.ts';
import { periodRefusal, potRefusal, priorPeriod, unregisteredRefusal } from './potGuards.ts';
import { fundersOf, type PotState } from './potState.ts';
import {
  OutcomeQuantityLines,
  valueOutcomeLines,
  type ValuationInputs,
} from './valueOutcomeLines.ts';

export const RecordOutcomeBody = z
  .strictObject({
    description: text(MAX_DESCRIPTION_CHARS, { multiline: true }),
    effectiveDate: EffectiveDate,
    evidenceRef: text(MAX_EVIDENCE_REF_CHARS).optional(),
    benefits: z.array(BenefitSchema).min(1).max(MAX_BENEFIT_LINES).optional(),
    /** Outcomes by quantity, valued from the unit-cost catalogue (see valueOutcomeLines.ts). */
    lines: OutcomeQuantityLines.optional(),
    /** A correction for this closed financial year, dated in the open period. */
    priorPeriodAdjustment: FinancialYear.optional(),
  })
  .refine((body) => body.benefits !== undefined || body.lines !== undefined, {
    message: 'give benefits (amounts), lines (unit-cost code and quantity), or both',
    path: ['benefits'],
  });
export type RecordOutcome = z.infer<typeof RecordOutcomeBody> & {
  potId: string;
  interventionId: string;
  outcomeId: string;
  /** Read by the write path when the body has lines; the decider stays pure. */
  valuation?: ValuationInputs;
};

/**
 * An outcome's benefits are attributed to the intervention's investors in proportion to each
 * agency's net funding of it at the time of recording: flow(investor → beneficiary) = benefit ×
 * investor's share, largest-remainder rounded per benefit line, then summed per
 * (investor, beneficiary, cashable). The flows are written into the event: "£500 from my
 * budget, £5,000 of benefit in yours", exact to the penny and never recomputed.
 */
export function decideRecordOutcome(
  state: PotState,
  command: RecordOutcome,
  context: CommandContext,
): Decision<PotEvent> {
  const refusal =
    potRefusal(state, command.potId, context) ??
    unregisteredRefusal(
      [...(command.benefits ?? []).map((b) => b.agencyId), ...beneficiaryIdsOf(command)],
      context,
    ) ??
    periodRefusal(state, command.effectiveDate, command.priorPeriodAdjustment);
  if (refusal !== null) return refusal;
  const intervention = state.interventions.get(command.interventionId);
  if (intervention === undefined) {
    return refused(
      'NOT_FOUND',
      `intervention ${command.interventionId} does not exist in pot ${command.potId}`,
    );
  }
  const funders = fundersOf(intervention);
  if (funders.length === 0) {
    return refused(
      'UNFUNDED_INTERVENTION',
      `intervention ${intervention.name} has no funding, so no investor can be credited with its benefits`,
    );
  }
  const benefits: Benefit[] = (command.benefits ?? []).map((b) => ({
    ...b,
    amount: formatAmount(parseAmount(b.amount)),
  }));
  let valuedLines: OutcomeRecorded['lines'];
  if (command.lines !== undefined) {
    const valuation = valueOutcomeLines(
      command.lines,
      state.partners,
      command.valuation ?? { unitCosts: new Map(), agencyKinds: new Map() },
    );
    if (valuation instanceof DomainError) return valuation;
    benefits.push(...valuation.benefits);
    valuedLines = valuation.lines;
  }
  const tooMany = sizeRefusal(benefits.length, funders.length);
  if (tooMany !== null) return tooMany;
  const flows = flowsFor(benefits, funders);
  // Lines for one beneficiary are summed into one flow per investor, and that sum may pass the
  // largest amount the ledger holds in one entry: refuse, in the client's own terms.
  const oversized = flows.find((flow) => !isValidAmount(flow.amount));
  if (oversized !== undefined) {
    return refused(
      'VALIDATION_FAILED',
      `the ${oversized.cashable ? 'cashable' : 'non-cashable'} benefits to ${oversized.toAgencyId} add up to more than ${MAX_AMOUNT} for one investor (${oversized.fromAgencyId}); record them as separate outcomes`,
    );
  }
  const data = {
    potId: command.potId,
    outcomeId: command.outcomeId,
    interventionId: command.interventionId,
    description: command.description,
    effectiveDate: command.effectiveDate,
    ...(command.evidenceRef === undefined ? {} : { evidenceRef: command.evidenceRef }),
    benefits,
    flows,
    ...(valuedLines === undefined ? {} : { lines: valuedLines }),
    ...priorPeriod(command.priorPeriodAdjustment),
  };
  const bytes = eventDataBytes(data);
  if (bytes > MAX_EVENT_DATA_BYTES) {
    return refused(
      'OUTCOME_TOO_LARGE',
      `the outcome would be written as ${bytes} bytes, more than one entry may hold (MAX_EVENT_DATA_BYTES ${MAX_EVENT_DATA_BYTES}): record it as several outcomes, or with fewer quantity lines each`,
      { limit: MAX_EVENT_DATA_BYTES, bytes },
    );
  }
  // The event schema is the last word on shape: a decider bug must never write a malformed event.
  const checked = OutcomeRecordedV1.safeParse(data);
  if (!checked.success) {
    return refused(
      'VALIDATION_FAILED',
      `the benefits cannot be recorded: ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return [{ type: 'OutcomeRecorded', data }];
}

/**
 * Every benefit line is split across every funder, so an outcome's flows grow as their product:
 * 100 lines on an intervention 100 partners fund would be 10,000 flows in one event. Both are
 * refused before a single split is computed, in terms the person recording can act on.
 */
function sizeRefusal(benefitLines: number, funders: number) {
  if (benefitLines > MAX_BENEFIT_LINES) {
    return refused(
      'OUTCOME_TOO_LARGE',
      `the outcome comes to ${benefitLines} benefit lines (given, and valued from quantity lines, one per agency and cashable), more than MAX_BENEFIT_LINES ${MAX_BENEFIT_LINES}: record it as several outcomes`,
      { limit: MAX_BENEFIT_LINES, benefitLines },
    );
  }
  if (benefitLines * funders > MAX_FLOWS_PER_OUTCOME) {
    return refused(
      'OUTCOME_TOO_LARGE',
      `${benefitLines} benefit lines × ${funders} funders of the intervention = ${benefitLines * funders} benefit flows, more than MAX_FLOWS_PER_OUTCOME ${MAX_FLOWS_PER_OUTCOME}: record it as several outcomes of at most ${Math.max(1, Math.floor(MAX_FLOWS_PER_OUTCOME / funders))} benefit lines each`,
      { limit: MAX_FLOWS_PER_OUTCOME, benefitLines, funders, flows: benefitLines * funders },
    );
  }
  return null;
}

/** Agencies a quantity line names explicitly as beneficiaries: they must be registered. */
export function beneficiaryIdsOf(body: {
  lines?: readonly { beneficiaries?: Partial<Record<string, string>> }[];
}): string[] {
  return (body.lines ?? []).flatMap((line) =>
    Object.values(line.beneficiaries ?? {}).filter((id): id is string => id !== undefined),
  );
}

export function flowsFor(
  benefits: readonly Benefit[],
  funders: readonly { agencyId: string; amount: Money }[],
): BenefitFlow[] {
  const totals = new Map<
    string,
    { fromAgencyId: string; toAgencyId: string; cashable: boolean; amount: Money }
  >();
  const weights = funders.map((f) => ({ key: f.agencyId, weight: f.amount }));
  for (const benefit of benefits) {
    for (const part of splitLargestRemainder(parseAmount(benefit.amount), weights)) {
      if (part.amount.isZero()) continue;
      const key = `${part.key}\u0000${benefit.agencyId}\u0000${benefit.cashable}`;
      const existing = totals.get(key);
      if (existing === undefined) {
        totals.set(key, {
          fromAgencyId: part.key,
          toAgencyId: benefit.agencyId,
          cashable: benefit.cashable,
          amount: part.amount,
        });
      } else {
        existing.amount = existing.amount.plus(part.amount);
      }
    }
  }
  return [...totals.values()]
    .sort(
      (a, b) =>
        compare(a.fromAgencyId, b.fromAgencyId) ||
        compare(a.toAgencyId, b.toAgencyId) ||
        Number(b.cashable) - Number(a.cashable),
    )
    .filter((flow) => flow.amount.gt(ZERO))
    .map((flow) => ({ ...flow, amount: formatAmount(flow.amount) }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
