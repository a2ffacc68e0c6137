/**
 * Every event the ledger writes, and the envelope projections fold over.
 * The envelope mirrors what the event store records, without importing from src/.
 */
import type { AgencyEvent } from './agency.ts';
import { agencyEventSchemas } from './agency.ts';
import type { IdempotencyEvent } from './idempotency.ts';
import { idempotencyEventSchemas } from './idempotency.ts';
import type { PotEvent } from './pot.ts';
import { potEventSchemas } from './pot.ts';
import type { UnitCostEvent } from './unitCost.ts';
import { unitCostEventSchemas } from './unitCost.ts';
import type { SignInMappingEvent } from './signInMapping.ts';
import { signInMappingEventSchemas } from './signInMapping.ts';

export * from './agency.ts';
export * from './idempotency.ts';
export * from './pot.ts';
export * from './potControls.ts';
export * from './streams.ts';
export * from './unitCost.ts';
export * from './signInMapping.ts';

export type LedgerEvent =
  AgencyEvent | PotEvent | IdempotencyEvent | UnitCostEvent | SignInMappingEvent;
export type LedgerEventType = LedgerEvent['type'];

export const ledgerEventSchemas = {
  ...agencyEventSchemas,
  ...potEventSchemas,
  ...idempotencyEventSchemas,
  ...unitCostEventSchemas,
  ...signInMappingEventSchemas,
} as const;

export function isLedgerEventType(type: string): type is LedgerEventType {
  return Object.hasOwn(ledgerEventSchemas, type);
}

export interface Actor {
  readonly sub: string;
  readonly role: string;
  readonly agencyId?: string;
}

export interface LedgerEventMetadata {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly actor: Actor;
  readonly recordedAt: string;
  /** SHA-256 of the canonical command payload, so a retried key can be told apart from a reused one. */
  readonly commandFingerprint?: string;
  readonly [key: string]: unknown;
}

/** An event as it sits in the global log. */
export type Envelope<E extends { type: string; data: unknown } = LedgerEvent> = E & {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamRevision: bigint;
  readonly position: bigint;
  readonly metadata: LedgerEventMetadata;
};

/** Events from the log of a type this ledger does not know are skipped by folds. */
export function asLedgerEnvelope(event: {
  type: string;
  data: unknown;
  eventId: string;
  streamId: string;
  streamRevision: bigint;
  position: bigint;
  metadata: unknown;
}): Envelope | null {
  return isLedgerEventType(event.type) ? (event as unknown as Envelope) : null;
}
