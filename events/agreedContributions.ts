/**
 * What a partner has agreed to pay into a pot for a financial year (the Section 75 agreement
 * names each partner's contribution). An agreement lives in the pot's stream and is never
 * edited: the board varies it by a new decision, and the new event names the amount it varies.
 */
import { z } from 'zod';
import {
  AgencyId,
  Amount,
  FinancialYear,
  MAX_REASON_CHARS,
  MAX_REFERENCE_CHARS,
  Ulid,
  storedText,
} from './primitives.ts';

/** Financial years an agreement may name: those that start and end inside the ledger's date range. */
export const MIN_AGREEMENT_FINANCIAL_YEAR = '2000-01';
export const MAX_AGREEMENT_FINANCIAL_YEAR = '2098-99';

export const AgreementFinancialYear = FinancialYear.refine(
  (fy) => fy >= MIN_AGREEMENT_FINANCIAL_YEAR && fy <= MAX_AGREEMENT_FINANCIAL_YEAR,
  { message: `must be from ${MIN_AGREEMENT_FINANCIAL_YEAR} to ${MAX_AGREEMENT_FINANCIAL_YEAR}` },
);

/** The agreement a variation replaces, as it stood. */
export const VariedAgreement = z.strictObject({
  agreementEventId: Ulid,
  amount: Amount,
  boardDecisionRef: storedText(MAX_REFERENCE_CHARS),
});

export const ContributionAgreedV1 = z.strictObject({
  potId: Ulid,
  agencyId: AgencyId,
  financialYear: AgreementFinancialYear,
  amount: Amount,
  /** The board (or partnership) decision that agreed this amount, e.g. "PB-2025-07 item 4". */
  boardDecisionRef: storedText(MAX_REFERENCE_CHARS),
  note: storedText(MAX_REASON_CHARS, { multiline: true }).optional(),
  /** Present when this agreement varies an earlier one for the same agency and year. */
  varies: VariedAgreement.optional(),
});

export type ContributionAgreed = z.infer<typeof ContributionAgreedV1>;
