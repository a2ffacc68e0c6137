/**
 * Commands that create a stream (registering an agency, opening a pot) cannot rely on the
 * stream itself to remember an idempotency key: a retry with another payload would create a
 * different stream. So a client-supplied key is first claimed in its own stream
 * (`idempotency-<sha256 of key>`, created with expected revision no-stream): the claim names
 * the command's fingerprint and the stream it creates, so a retry finds the same target.
 */
import { z } from 'zod';

export const IdempotencyKeyClaimedV1 = z.strictObject({
  command: z.enum(['RegisterAgency', 'OpenPot']),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  targetStreamId: z.string().min(1).max(200),
});
export type IdempotencyKeyClaimed = z.infer<typeof IdempotencyKeyClaimedV1>;

export type IdempotencyEvent = { type: 'IdempotencyKeyClaimed'; data: IdempotencyKeyClaimed };

export const idempotencyEventSchemas = {
  IdempotencyKeyClaimed: IdempotencyKeyClaimedV1,
} as const;
