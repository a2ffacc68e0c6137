/**
 * Tamper evidence over HTTP (issue 4): a checkpoint of the log (size and RFC 6962 root) an
 * auditor saves, an inclusion proof that one event is in the log a checkpoint covers, and a
 * consistency proof that a later checkpoint extends an earlier one. Auditors check them with
 * any RFC 6962 / RFC 9162 verifier; nobody has to trust the operator's word.
 *
 * The tree is the one the books fold (it reaches what they have read of the log); minPosition
 * waits for a position the caller wrote, like every other read.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Ulid } from '../../../events/primitives.ts';
import { MERKLE_ALGORITHM } from '../../audit/merkle.ts';
import { httpProblem } from '../plugins/errors.ts';
import { OVERSIGHT_ROLES } from '../plugins/readPolicy.ts';
import { errorResponses, Position, PositionParam } from '../schemas.ts';
import type { RouteDeps } from './routeDeps.ts';

/** Proofs are over the whole log (every pot): the oversight roles (readPolicy.ts). */
const AUDIT_ROLES = OVERSIGHT_ROLES;

/**
 * Only minPosition (read your own writes): a checkpoint's own `size` is how these routes look
 * into the past, so the books' point-in-time parameters have no meaning here.
 */
const ProofQuery = z.object({
  minPosition: PositionParam.optional().describe(
    'Wait (briefly) until the log includes this position: prove your own writes',
  ),
});

const Hash = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .describe('SHA-256, lower-case hex');
const Size = z.string().regex(/^\d+$/).describe('A number of events (tree size), digits');

export const CheckpointView = z.object({
  size: Size.describe(
    'Events in the log the checkpoint covers (the first `size` events in log order)',
  ),
  rootHash: Hash.describe('RFC 6962 Merkle tree hash over those events'),
  position: Position.describe(
    'Position of the last event the checkpoint covers; "0" for the empty log',
  ),
  algorithm: z.literal(MERKLE_ALGORITHM),
});

export const InclusionProofView = z.object({
  eventId: z.string(),
  position: Position,
  leafIndex: Size.describe("The event's 0-based index in log order (not its position)"),
  treeSize: Size,
  leafHash: Hash.describe(
    'SHA-256(0x00 ‖ RFC 8785 JSON of {position, eventId, streamId, streamRevision, hash})',
  ),
  auditPath: z.array(Hash).describe('RFC 6962 audit path, leaf to root'),
  rootHash: Hash,
});

export const ConsistencyProofView = z.object({
  from: Size,
  to: Size,
  fromRoot: Hash,
  toRoot: Hash,
  proof: z.array(Hash).describe('RFC 6962 consistency proof'),
});

export const auditProofRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    /** A size the caller named, checked against the tree as it stands: beyond it is the caller's mistake. */
    function treeSize(requested: bigint | undefined, name: string): number {
      const current = deps.merkleLog.size();
      if (requested === undefined) return current;
      if (requested > BigInt(current)) {
        throw httpProblem(
          'VALIDATION_FAILED',
          `${name} ${requested} is beyond the log's ${current} events`,
          { treeSize: String(current) },
        );
      }
      return Number(requested);
    }

    app.get(
      '/v1/audit/checkpoint',
      {
        config: { access: AUDIT_ROLES },
        schema: {
          tags: ['audit'],
          summary:
            'A checkpoint of the log: its size and RFC 6962 Merkle root; save it to prove later that the log only grew',
          querystring: ProofQuery.extend({
            size: PositionParam.optional().describe('Tree size; the whole log when absent'),
          }),
          response: { 200: CheckpointView, ...errorResponses },
        },
      },
      async (request) => {
        await deps.readYourWrites(request.query.minPosition);
        return await deps.merkleLog.checkpoint(treeSize(request.query.size, 'size'));
      },
    );

    app.get(
      '/v1/audit/proof/:eventId',
      {
        config: { access: AUDIT_ROLES },
        schema: {
          tags: ['audit'],
          summary:
            "RFC 6962 inclusion proof: this event is in the log of `size` events whose root is the checkpoint's",
          params: z.object({ eventId: Ulid }),
          querystring: ProofQuery.extend({
            size: PositionParam.optional().describe(
              'Tree size of the checkpoint to prove against; the whole log when absent',
            ),
          }),
          response: { 200: InclusionProofView, ...errorResponses },
        },
      },
      async (request) => {
        await deps.readYourWrites(request.query.minPosition);
        const size = treeSize(request.query.size, 'size');
        const index = await deps.merkleLog.indexOf(request.params.eventId);
        if (index === undefined)
          throw httpProblem('NOT_FOUND', `no event ${request.params.eventId} in the log`);
        if (index >= size) {
          throw httpProblem(
            'VALIDATION_FAILED',
            `event ${request.params.eventId} is leaf ${index}: it is not inside a log of ${size} events`,
          );
        }
        return (await deps.merkleLog.inclusionProof(request.params.eventId, size))!;
      },
    );

    app.get(
      '/v1/audit/consistency',
      {
        config: { access: AUDIT_ROLES },
        schema: {
          tags: ['audit'],
          summary:
            'RFC 6962 consistency proof: the log of `from` events is a prefix of the log of `to` events',
          querystring: ProofQuery.extend({
            from: PositionParam.describe("The earlier checkpoint's size (at least 1)"),
            to: PositionParam.optional().describe(
              "The later checkpoint's size; the whole log when absent",
            ),
          }),
          response: { 200: ConsistencyProofView, ...errorResponses },
        },
      },
      async (request) => {
        await deps.readYourWrites(request.query.minPosition);
        const to = treeSize(request.query.to, 'to');
        const { from } = request.query;
        if (from < 1n)
          throw httpProblem(
            'VALIDATION_FAILED',
            'from must be at least 1: every log is consistent with the empty one',
          );
        if (from > BigInt(to))
          throw httpProblem(
            'VALIDATION_FAILED',
            `from ${from} is after to ${to}: a log only grows`,
          );
        return await deps.merkleLog.consistencyProof(Number(from), to);
      },
    );
  };
