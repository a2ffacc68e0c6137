/**
 * The names the audit trail's summaries read (agencies, pots, interventions, references,
 * requests…), each with the entry row whose event taught it. The trail keeps no summary text:
 * a page builds each entry's summary when it is read, from the stored event and the names as
 * they stood just before that entry was folded — so the line says what was known at the time,
 * exactly as when the summary was built at fold time, even where a log names something before
 * it is registered or registers it twice (a decider refuses both; the trail folds whatever the
 * log holds).
 */
import type { Envelope } from '../events/index.ts';
import type { AuditNameLookup, AuditNames, AuditNameValue } from './auditSummary.ts';
import { learnedName } from './auditSummary.ts';
import {
  decodeName,
  encodeName,
  perEntityTableNumber,
  type PerEntityTable,
} from './perEntityNames.ts';
import {
  createPackedNameTable,
  packedForget,
  packedGetBefore,
  packedSet,
  type PackedNameTable,
} from './packedNames.ts';

export interface NameTableHistory<V> {
  /** key → the value taught last. */
  readonly latest: Map<string, V>;
  /** key → the row whose event taught `latest`. */
  readonly learnedAt: Map<string, number>;
  /** key → what it held before, oldest first: only for a key taught more than once. */
  readonly earlier: Map<string, { readonly row: number; readonly value: V }[]>;
}

/** The tables with a few names each (agencies, pots, interventions): plain Maps. */
type SmallTable = 'agencies' | 'pots' | 'interventions';

export interface AuditNameHistory {
  readonly agencies: NameTableHistory<string>;
  readonly pots: NameTableHistory<string>;
  readonly interventions: NameTableHistory<string>;
  /** The tables with one name per contribution, allocation, outcome… (PER_ENTITY_TABLES). */
  readonly perEntity: PackedNameTable;
}

const emptyTable = <V>(): NameTableHistory<V> => ({
  latest: new Map(),
  learnedAt: new Map(),
  earlier: new Map(),
});

export function emptyAuditNameHistory(): AuditNameHistory {
  return {
    agencies: emptyTable(),
    pots: emptyTable(),
    interventions: emptyTable(),
    perEntity: createPackedNameTable(),
  };
}

const isSmallTable = (table: keyof AuditNames): table is SmallTable =>
  table === 'agencies' || table === 'pots' || table === 'interventions';

/** Remembers what `event`, folded as entry `row`, teaches (or makes moot for) later summaries. */
export function learnNamesAt(history: AuditNameHistory, event: Envelope, row: number): void {
  noteForgotten(history, event, row);
  const learned = learnedName(event);
  if (learned === undefined) return;
  if (!isSmallTable(learned.table)) {
    packedSet(
      history.perEntity,
      perEntityTableNumber(learned.table),
      learned.key,
      encodeName(learned),
      row,
    );
    return;
  }
  const table = history[learned.table];
  const value = learned.value as string;
  const before = table.learnedAt.get(learned.key);
  if (before !== undefined) {
    // Rows only grow, so each list stays in row order.
    const older = table.earlier.get(learned.key);
    const was = { row: before, value: table.latest.get(learned.key)! };
    if (older === undefined) table.earlier.set(learned.key, [was]);
    else older.push(was);
  }
  table.latest.set(learned.key, value);
  table.learnedAt.set(learned.key, row);
}

/**
 * What the exceptions (exceptions.ts) stop reading once it has happened: the one event that
 * could read a name is refused after it — a reversal for what was already reversed, a decision
 * on a request already decided, a second payment or rejection of a claim. The audit trail still
 * shows these names; namesBeforeRow(…, { unlessForgotten: true }) does not.
 */
function noteForgotten(history: AuditNameHistory, event: Envelope, row: number): void {
  const forget = (table: PerEntityTable, key: string): void =>
    packedForget(history.perEntity, perEntityTableNumber(table), key, row);
  switch (event.type) {
    case 'ContributionReversed':
      return forget('contributionReferences', event.data.contributionId);
    case 'AllocationReversed':
      return forget('allocationDates', event.data.allocationId);
    case 'AllocationApproved':
    case 'AllocationRejected':
      return forget('allocationRequests', event.data.allocationId);
    case 'SpendReversed':
      return forget('spends', event.data.spendId);
    case 'CommitmentReversed':
      return forget('commitmentReferences', event.data.commitmentId);
    case 'ClaimPaid':
    case 'ClaimRejected':
      return forget('claims', event.data.claimId);
    default:
      return;
  }
}

function valueBefore<V>(table: NameTableHistory<V>, key: string, row: number): V | undefined {
  const at = table.learnedAt.get(key);
  if (at === undefined) return undefined;
  if (at < row) return table.latest.get(key);
  const older = table.earlier.get(key);
  if (older === undefined) return undefined;
  for (let j = older.length - 1; j >= 0; j--) if (older[j]!.row < row) return older[j]!.value;
  return undefined;
}

/**
 * The names as they stood when entry `row` was folded: what its summary may use. With
 * `unlessForgotten`, less what an earlier row made moot (noteForgotten): what an exception's
 * summary may use.
 */
export function namesBeforeRow(
  history: AuditNameHistory,
  row: number,
  { unlessForgotten = false }: { readonly unlessForgotten?: boolean } = {},
): AuditNameLookup {
  const small = (table: SmallTable) => ({
    get: (key: string) => valueBefore(history[table], key, row),
  });
  const perEntity = <K extends PerEntityTable>(table: K) => ({
    get: (key: string): AuditNameValue<K> | undefined => {
      const encoded = packedGetBefore(
        history.perEntity,
        perEntityTableNumber(table),
        key,
        row,
        unlessForgotten,
      );
      return encoded === undefined ? undefined : decodeName(table, encoded);
    },
  });
  return {
    agencies: small('agencies'),
    pots: small('pots'),
    interventions: small('interventions'),
    contributionReferences: perEntity('contributionReferences'),
    allocationDates: perEntity('allocationDates'),
    outcomeDescriptions: perEntity('outcomeDescriptions'),
    allocationRequests: perEntity('allocationRequests'),
    spends: perEntity('spends'),
    commitmentReferences: perEntity('commitmentReferences'),
    claims: perEntity('claims'),
  };
}
