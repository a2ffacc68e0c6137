/**
 * How the ledger names its streams: one per agency, one per pot, one per claimed idempotency
 * key. This is the only place the names are spelled out; everything else builds or reads a
 * stream id through these functions.
 */
export const AGENCY_STREAM_PREFIX = 'agency-';
export const POT_STREAM_PREFIX = 'pot-';
export const IDEMPOTENCY_STREAM_PREFIX = 'idempotency-';
/** One stream per unit-cost code (`unit-cost-HEALTH-HIP-FRACTURE`): its versions, in order. */
export const UNIT_COST_STREAM_PREFIX = 'unit-cost-';
/** The one stream of the sign-in mapping (events/signInMapping.ts): its versions, in order. */
export const SIGN_IN_MAPPING_STREAM_ID = 'sign-in-mapping';

/** Every stream the ledger writes starts with one of these. */
export const LEDGER_STREAM_PREFIXES: readonly string[] = [
  AGENCY_STREAM_PREFIX,
  POT_STREAM_PREFIX,
  IDEMPOTENCY_STREAM_PREFIX,
  UNIT_COST_STREAM_PREFIX,
  SIGN_IN_MAPPING_STREAM_ID,
];

export const agencyStreamId = (agencyId: string): string => `${AGENCY_STREAM_PREFIX}${agencyId}`;
export const potStreamId = (potId: string): string => `${POT_STREAM_PREFIX}${potId}`;
/** The claim stream of an idempotency key, named by the key's SHA-256 (hex) so any key fits. */
export const idempotencyStreamId = (keySha256Hex: string): string =>
  `${IDEMPOTENCY_STREAM_PREFIX}${keySha256Hex}`;

export const unitCostStreamId = (code: string): string => `${UNIT_COST_STREAM_PREFIX}${code}`;

/** The pot a stream belongs to, or undefined when it is not a pot's stream. */
export function potIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith(POT_STREAM_PREFIX)
    ? streamId.slice(POT_STREAM_PREFIX.length)
    : undefined;
}

/** The agency a stream belongs to, or undefined when it is not an agency's stream. */
export function agencyIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith(AGENCY_STREAM_PREFIX)
    ? streamId.slice(AGENCY_STREAM_PREFIX.length)
    : undefined;
}
