import { z } from 'zod';
import { EffectiveDate } from '../../../events/primitives.ts';
import type {
  LedgerProjections,
  ProjectionName,
  SomeProjections,
} from '../../../projections/index.ts';
import type { BooksAnswer, BooksQuery, StatementQuery } from '../../books/historicalBooks.ts';
import type { PotStatement } from '../../../projections/potStatement.ts';
import type { MerkleLog } from '../../audit/merkleLog.ts';
import type { DeflatorSeries } from '../../../events/uprating.ts';
import type { LedgerCommands } from '../../writePath/ledgerCommands.ts';
import type { EventStore } from '../../store/eventStore.ts';
import { getAgency } from '../../../projections/agencyDirectory.ts';
import type { GroupCommitObserver } from '../../writePath/groupCommit.ts';
import { PositionParam } from '../schemas.ts';

export interface RouteDeps {
  readonly store: EventStore;
  readonly commands: LedgerCommands;
  /** The live books. GET routes read through booksFor (answerFromBooks) so asAt and atPosition work. */
  readonly books: () => Readonly<LedgerProjections>;
  /** Waits (bounded) until the books have folded `minPosition`; refuses when they cannot. */
  readonly readYourWrites: (minPosition: bigint | undefined) => Promise<void>;
  /** The books a GET answers from: live, or as they stood at asAt / atPosition (src/books/historicalBooks.ts). */
  readonly booksFor: <K extends ProjectionName>(
    query: BooksQuery,
    needs: readonly K[],
  ) => Promise<BooksAnswer<K>>;
  /** A pot's statement, built off the event loop through the historical gate (src/books/historyPool.ts). */
  readonly statementFor: (query: StatementQuery) => Promise<PotStatement | null>;
  readonly projectionPosition: () => bigint;
  /** The write path's optimistic-concurrency retries since start. */
  readonly writeStats: () => {
    readonly appendConflictsRetried: bigint;
    readonly appendConflictsGivenUp: bigint;
  };
  /** Watches group commits (metrics: batch sizes, store failures); none when absent. */
  readonly observeGroupCommits?: (observer: GroupCommitObserver) => () => void;
  /** The newest books snapshot loaded or taken (metrics: snapshot age); none when absent. */
  readonly lastSnapshot?: () =>
    { readonly position: bigint; readonly takenAtMs: number } | undefined;
  /** Why the live books stopped, or undefined while they follow the log (readiness, metrics). */
  readonly booksFailure?: () => unknown;
  /** The log as an RFC 6962 Merkle tree, as far as the books have folded it (audit checkpoints and proofs). */
  readonly merkleLog: MerkleLog;
  /** The deflator series reports uprate with; the shipped data/deflators.json when absent. */
  readonly deflators?: DeflatorSeries;
}

/** The log position an answer reflects; on every answer read from the books. */
export const LEDGER_POSITION_HEADER = 'ledger-position';
/** The business date an answer is as at; on answers to a request with asAt. */
export const LEDGER_AS_AT_HEADER = 'ledger-as-at';

/** The two point-in-time parameters: one fragment, in every query schema that reads the books. */
export const PointInTimeQuery = z.object({
  asAt: EffectiveDate.optional().describe(
    'The books by business date (YYYY-MM-DD): entries whose effectiveDate is after it do not count; entries without one always do. ' +
      'The answer carries a Ledger-As-At header with the date',
  ),
  atPosition: PositionParam.optional().describe(
    'The books as the ledger knew them when this log position was written (0 is the empty books; beyond the end of the log is refused). ' +
      'Every answer read from the books carries a Ledger-Position header: the position it reflects',
  ),
});

export const ReadQuery = z.object({
  minPosition: PositionParam.optional().describe(
    'Wait (briefly) until the books include this log position: read your own writes',
  ),
  ...PointInTimeQuery.shape,
});

/**
 * Answers a GET from the books (live, or as at the query's asAt / atPosition), labelled with
 * Ledger-Position always and Ledger-As-At when a date was asked for. The label and the reading
 * happen in one synchronous step: the live books move on between awaits, and the header must
 * name the position of exactly the books that were read. `needs` names the projections `read`
 * reads, and `read` is given only those: a historical answer folds no other.
 */
export async function answerFromBooks<K extends ProjectionName, T>(
  deps: Pick<RouteDeps, 'booksFor'>,
  query: BooksQuery,
  reply: { header(name: string, value: string): unknown },
  needs: readonly K[],
  read: (books: Readonly<SomeProjections<K>>) => T,
): Promise<T> {
  const books = await deps.booksFor(query, needs);
  reply.header(LEDGER_POSITION_HEADER, books.position.toString());
  if (books.asAt !== undefined) reply.header(LEDGER_AS_AT_HEADER, books.asAt);
  return read(books.projections);
}

/**
 * Agency names for downloads a person reads (agencies by name beside their ids), from the live
 * agency directory: an agency is registered once and its name is public to every reader.
 */
export function agencyNames(deps: RouteDeps): (agencyId: string) => string | null {
  const directory = deps.books().agencyDirectory;
  return (agencyId) => getAgency(directory, agencyId)?.name ?? null;
}
