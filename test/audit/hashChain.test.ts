/**
 * The per-stream hash chain (issue 4, tamper evidence): every event the ledger appends, claims
 * of idempotency keys included, carries hashVersion, previousHash (the genesis value at
 * revision 0) and a hash an auditor recomputes from the event as GET /v1/events shows it.
 */
import { describe, expect, it } from 'vitest';
import { eventHash, GENESIS_HASH, HASH_VERSION } from '../../src/audit/eventHash.ts';
import { allEvents, expectWritten, scenarioCtx, type Json } from '../http/helpers.ts';

const HEX64 = /^[0-9a-f]{64}$/;

function recompute(event: Json): string {
  return eventHash({ ...event, streamRevision: BigInt(event.streamRevision) } as Parameters<
    typeof eventHash
  >[0]);
}

describe('hash chain on the write path', () => {
  it('every appended event carries a hash over its content, linked to the previous event of its stream', async () => {
    const ctx = await scenarioCtx();
    try {
      // A stream-creating write with a client key: its claim event goes through the same path.
      const pot = await ctx.ledger.post(
        '/v1/pots',
        ctx.tokens.admin,
        { name: 'Second pot', area: 'Essex', hostAgencyId: 'essex-cc' },
        { 'idempotency-key': 'second-pot-1' },
      );
      expectWritten(pot, ['potId']);
      const events = await allEvents(ctx.ledger);
      expect(events.some((e) => e.type === 'IdempotencyKeyClaimed')).toBe(true);

      const lastOfStream = new Map<string, Json>();
      for (const event of events) {
        const { hash, previousHash, hashVersion } = event.metadata;
        expect(hash, `${event.type} at ${event.position}`).toMatch(HEX64);
        expect(hashVersion).toBe(HASH_VERSION);
        expect(recompute(event), `${event.type} at ${event.position}`).toBe(hash);
        const previous = lastOfStream.get(event.streamId);
        expect(BigInt(event.streamRevision)).toBe(
          previous === undefined ? 0n : BigInt(previous.streamRevision) + 1n,
        );
        expect(previousHash).toBe(previous === undefined ? GENESIS_HASH : previous.metadata.hash);
        lastOfStream.set(event.streamId, event);
      }
      expect(lastOfStream.size).toBeGreaterThan(3);
    } finally {
      await ctx.ledger.close();
    }
  });
});

describe('eventHash', () => {
  const event = {
    streamId: 'pot-01ARZ3NDEKTSV4RRFFQ69G5FAV',
    streamRevision: 3n,
    eventId: '01ARZ3NDEKTSV4RRFFQ69G5FAW',
    type: 'ContributionReceived',
    data: {
      potId: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      agencyId: 'essex-cc',
      amount: '100.00',
      effectiveDate: '2025-05-01',
    },
    metadata: {
      commandId: 'c1',
      actor: { sub: 'carol', role: 'finance-officer', agencyId: 'essex-cc' },
      recordedAt: '2025-05-01T10:00:00.000Z',
      previousHash: GENESIS_HASH,
    },
  };
  const base = eventHash(event);

  it('is the same however the JSON is ordered, and does not cover the hash field itself', () => {
    const reordered = {
      ...event,
      data: Object.fromEntries(Object.entries(event.data).reverse()),
      metadata: { ...event.metadata, hash: 'anything' },
    };
    expect(eventHash(reordered)).toBe(base);
  });

  it('changes when any part of the event or its place in the stream changes', () => {
    const variants = [
      { ...event, streamId: 'pot-01ARZ3NDEKTSV4RRFFQ69G5FAX' },
      { ...event, streamRevision: 4n },
      { ...event, eventId: '01ARZ3NDEKTSV4RRFFQ69G5FAX' },
      { ...event, type: 'ContributionReversed' },
      { ...event, data: { ...event.data, amount: '100.01' } },
      {
        ...event,
        metadata: { ...event.metadata, actor: { ...event.metadata.actor, sub: 'mallory' } },
      },
      { ...event, metadata: { ...event.metadata, previousHash: 'f'.repeat(64) } },
    ];
    for (const variant of variants) expect(eventHash(variant)).not.toBe(base);
  });
});
