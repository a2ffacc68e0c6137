import { z } from 'zod';
import type { LedgerProjections } from '../../../projections/index.ts';
import type { MerkleLog } from '../../audit/merkleLog.ts';
import type { LedgerCommands } from '../../ledgerCommands.ts';
import type { EventStore } from '../../store/eventStore.ts';
import { PositionParam } from '../schemas.ts';

export interface RouteDeps {
  readonly store: EventStore;
  readonly commands: LedgerCommands;
  /** The read models the GET routes answer from. */
  readonly books: () => Readonly<LedgerProjections>;
  /** Waits (bounded) until the books have folded `minPosition`; refuses when they cannot. */
  readonly readYourWrites: (minPosition: bigint | undefined) => Promise<void>;
  readonly projectionPosition: () => bigint;
  /** The write path's optimistic-concurrency retries since start. */
  readonly writeStats: () => { readonly appendConflictsRetried: bigint; readonly appendConflictsGivenUp: bigint };
  /** The log as an RFC 6962 Merkle tree, as far as the books have folded it (audit checkpoints and proofs). */
  readonly merkleLog: MerkleLog;
}

export const ReadQuery = z.object({
  minPosition: PositionParam.optional().describe('Wait (briefly) until the books include this log position: read your own writes'),
});
