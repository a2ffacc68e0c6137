/**
 * The AuditNames tables with one name per contribution, allocation, outcome, spend, commitment
 * or claim, and how their values are packed as text in a PackedNameTable (packedNames.ts).
 * A table whose value is one string keeps it as it is; a record becomes a JSON array of its
 * fields, read back into the same record.
 */
import type { AuditNames, AuditNameValue, LearnedName } from './auditSummary.ts';

export const PER_ENTITY_TABLES = [
  'contributionReferences',
  'allocationDates',
  'outcomeDescriptions',
  'allocationRequests',
  'spends',
  'commitmentReferences',
  'claims',
] as const satisfies readonly (keyof AuditNames)[];
export type PerEntityTable = (typeof PER_ENTITY_TABLES)[number];

export function perEntityTableNumber(table: PerEntityTable): number {
  return PER_ENTITY_TABLES.indexOf(table);
}

/** `learned.value` as the text a PackedNameTable keeps. */
export function encodeName(learned: LearnedName): string {
  switch (learned.table) {
    case 'allocationRequests': {
      const v = learned.value;
      return JSON.stringify([v.amount, v.interventionId, v.requestedBy, v.effectiveDate]);
    }
    case 'spends':
      return JSON.stringify([learned.value.invoiceRef, learned.value.supplier]);
    case 'claims': {
      const v = learned.value;
      return JSON.stringify(
        v.outcomeId === undefined ? [v.code, v.price] : [v.code, v.price, v.outcomeId],
      );
    }
    default:
      return learned.value as string;
  }
}

/** The value encodeName packed as `text`, as the table holds it. */
export function decodeName<K extends PerEntityTable>(table: K, text: string): AuditNameValue<K> {
  switch (table) {
    case 'allocationRequests': {
      const [amount, interventionId, requestedBy, effectiveDate] = JSON.parse(text) as string[];
      return {
        amount: amount!,
        interventionId: interventionId!,
        requestedBy: requestedBy!,
        effectiveDate: effectiveDate!,
      } as AuditNameValue<K>;
    }
    case 'spends': {
      const [invoiceRef, supplier] = JSON.parse(text) as string[];
      return { invoiceRef: invoiceRef!, supplier: supplier! } as AuditNameValue<K>;
    }
    case 'claims': {
      const [code, price, outcomeId] = JSON.parse(text) as string[];
      return {
        code: code!,
        price: price!,
        ...(outcomeId === undefined ? {} : { outcomeId }),
      } as AuditNameValue<K>;
    }
    default:
      return text as AuditNameValue<K>;
  }
}
