/**
 * The inspectorate pack of one pot and one financial year, as files: the memorandum statement,
 * the memorandum account (each partner's share, for its own statutory accounts, its closing
 * balance reached two independent ways),
 * the year's audit trail (CSV for a spreadsheet, JSON Lines for a program), the exceptions
 * list, the Merkle checkpoint and the verification report, and a manifest with each file's
 * SHA-256 so the pack itself can be checked after it has been e-mailed around.
 *
 * This module only shapes content; reading the log, verifying it and writing the folder is the
 * CLI's job (src/cli/auditPack.ts).
 */
import { createHash } from 'node:crypto';
import {
  amountOfEvent,
  auditEntryAt,
  auditEntryType,
  auditRowsOfPot,
  type AuditEntry,
  type AuditTrailState,
} from '../../../projections/auditTrail.ts';
import type { ExceptionEntry } from '../../../projections/exceptions.ts';
import type { PotStatement } from '../../../projections/potStatement.ts';
import { statementPeriod } from '../../../projections/potStatement.ts';
import { escapeHiddenCharactersInJson } from '../../../events/hiddenCharacters.ts';
import { csvDecimal, toCsv, type CsvValue } from '../../export/csv.ts';
import { STATEMENT_COLUMNS, statementTable } from '../../export/statementTable.ts';
import { tableCsv } from '../../export/table.ts';
import type { RecordedEvent } from '../../store/eventStore.ts';
import type { Envelope } from '../../../events/index.ts';
import { columnAt } from '../../../projections/columns.ts';

/** A pot's own stored event: a ledger event, as the books folded it. */
const asEnvelope = (event: RecordedEvent): Envelope => event as unknown as Envelope;

export const AUDIT_PACK_TRAIL_HEADER = [
  'position',
  'recordedAt',
  'effectiveDate',
  'type',
  'amount',
  'actorSub',
  'actorRole',
  'actorAgencyId',
  'summary',
  'reason',
  'priorPeriodAdjustment',
  'eventId',
  'streamId',
  'streamRevision',
  'commandId',
  'hash',
] as const;

const DECISION_TYPES: ReadonlySet<string> = new Set([
  'AllocationApproved',
  'AllocationRejected',
  'SelfApprovalAttempted',
]);

/** Every file a pack holds; a new pack replaces them all, so no file of an older pack is left beside it. */
export const AUDIT_PACK_FILES = [
  'statement.json',
  'statement.csv',
  'audit-trail.csv',
  'audit-trail.jsonl',
  'exceptions.json',
  'exceptions.csv',
  'memorandum-account.json',
  'memorandum-account.csv',
  'checkpoint.json',
  'verification.txt',
  'SHA256SUMS',
] as const;

export interface TrailLine {
  readonly entry: AuditEntry;
  readonly event: RecordedEvent;
}

/**
 * The entries of a pot that belong to a financial year: everything dated in the year, and
 * everything undated (an intervention defined, an approval, a threshold change) recorded in it.
 * An entry dated in another year belongs to that year's pack, whenever it was recorded.
 */
export function trailOfYear(
  trail: AuditTrailState,
  eventsByPosition: ReadonlyMap<string, RecordedEvent>,
  potId: string,
  financialYear: string,
): TrailLine[] {
  const period = statementPeriod(financialYear);
  // A decision on a four-eyes request has no date of its own: it goes with the request's.
  const requestDates = new Map<string, string>();
  for (const event of eventsByPosition.values()) {
    if (event.type === 'AllocationRequested') {
      const data = event.data as { allocationId: string; effectiveDate: string };
      requestDates.set(data.allocationId, data.effectiveDate);
    }
  }
  const lines: TrailLine[] = [];
  for (const index of auditRowsOfPot(trail, potId)) {
    const position = columnAt(trail.positions, index);
    const event = eventsByPosition.get(position.toString());
    // The entry is built from its event; without one (not the pot's own stream) only its type
    // and recordedAt are known, and it must then fall outside the year.
    const entry = event === undefined ? undefined : auditEntryAt(trail, index, asEnvelope(event));
    const type = entry?.type ?? auditEntryType(trail, index);
    const decided = (event?.data as { allocationId?: unknown } | undefined)?.allocationId;
    const requestDate =
      DECISION_TYPES.has(type) && typeof decided === 'string'
        ? requestDates.get(decided)
        : undefined;
    const day =
      entry?.effectiveDate ??
      requestDate ??
      (entry?.recordedAt ?? new Date(columnAt(trail.recordedAtMs, index)).toISOString()).slice(
        0,
        10,
      );
    if (day < period.from || day > period.to) continue;
    if (entry === undefined || event === undefined)
      throw new Error(
        `invariant: audit entry at position ${position} has no event in the log read`,
      );
    lines.push({ entry, event });
  }
  return lines;
}

function priorPeriodOf(data: unknown): string | null {
  const label = (data as { priorPeriodAdjustment?: unknown }).priorPeriodAdjustment;
  return typeof label === 'string' ? label : null;
}

export function trailCsv(lines: readonly TrailLine[]): string {
  return toCsv(
    AUDIT_PACK_TRAIL_HEADER,
    lines.map(({ entry, event }): CsvValue[] => {
      const amount = amountOfEvent(event.data);
      return [
        csvDecimal(entry.position),
        entry.recordedAt,
        entry.effectiveDate,
        entry.type,
        amount === null ? null : csvDecimal(amount),
        entry.actor.sub,
        entry.actor.role,
        entry.actor.agencyId,
        entry.summary,
        entry.reason,
        priorPeriodOf(event.data),
        entry.eventId,
        event.streamId,
        csvDecimal(event.streamRevision.toString()),
        entry.commandId,
        typeof event.metadata.hash === 'string' ? event.metadata.hash : null,
      ];
    }),
  );
}

/** One JSON object per line: the event exactly as stored (positions as digit strings) and its summary. */
export function trailJsonLines(lines: readonly TrailLine[]): string {
  return (
    lines
      .map(({ entry, event }) =>
        JSON.stringify({
          position: event.position.toString(),
          eventId: event.eventId,
          type: event.type,
          streamId: event.streamId,
          streamRevision: event.streamRevision.toString(),
          data: event.data,
          metadata: event.metadata,
          summary: entry.summary,
        }),
      )
      // The data exactly as stored (its hash still checks), hidden characters written as \u escapes.
      .map((line) => `${escapeHiddenCharactersInJson(line)}\n`)
      .join('')
  );
}

export const STATEMENT_CSV_HEADER = STATEMENT_COLUMNS.map((c) => c.header);

/**
 * The statement as rows a spreadsheet can total: one row per figure, amounts as plain decimals,
 * agencies by id and name (src/export/statementTable.ts).
 */
export function statementCsv(
  statement: PotStatement,
  nameOf: (agencyId: string) => string | null,
): string {
  return tableCsv(statementTable(statement, nameOf));
}

export const EXCEPTIONS_CSV_HEADER = [
  'position',
  'date',
  'financialYear',
  'kind',
  'type',
  'amount',
  'actorSub',
  'actorRole',
  'actorAgencyId',
  'reason',
  'summary',
  'recordedAt',
  'eventId',
] as const;

export function exceptionsCsv(exceptions: readonly ExceptionEntry[]): string {
  return toCsv(
    EXCEPTIONS_CSV_HEADER,
    exceptions.map((e): CsvValue[] => [
      csvDecimal(e.position),
      e.date,
      e.financialYear,
      e.kind,
      e.type,
      e.amount === null ? null : csvDecimal(e.amount),
      e.actor.sub,
      e.actor.role,
      e.actor.agencyId,
      e.reason,
      e.summary,
      e.recordedAt,
      e.eventId,
    ]),
  );
}

export interface PackFile {
  readonly name: string;
  readonly content: string;
}

export function sha256OfText(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** `sha256sum -c` reads this format: "<hex>  <name>". */
export function manifest(files: readonly PackFile[]): PackFile {
  return {
    name: 'SHA256SUMS',
    content: files.map((f) => `${sha256OfText(f.content)}  ${f.name}\n`).join(''),
  };
}
