import { describe, expect, it } from 'vitest';
import type { AuditQuery, AuditTrailState } from '../../projections/auditTrail.ts';
import {
  MAX_AUDIT_ENTRIES_SCANNED_PER_PAGE,
  auditTrailProjection,
} from '../../projections/auditTrail.ts';
import { auditEntries, foldTrail } from '../support/auditPages.ts';
import { foldAll } from '../../projections/projection.ts';
import { ACTORS, benefit, createHistory, flow } from './envelopes.ts';
import { COUNCIL, NHS, POLICE, essexScenario } from './essexScenario.ts';

const all = (state: AuditTrailState, query: Omit<AuditQuery, 'limit'> = {}) =>
  auditEntries(state, { ...query, limit: 1_000 }).entries;
const positions = (state: AuditTrailState, query: Omit<AuditQuery, 'limit'> = {}) =>
  all(state, query).map((e) => e.position);

/** Every page from the start, following nextCursor until it is null. */
function pages(state: AuditTrailState, query: Omit<AuditQuery, 'cursor'>) {
  const result = [];
  let cursor: string | undefined;
  for (;;) {
    const page = auditEntries(state, { ...query, ...(cursor === undefined ? {} : { cursor }) });
    result.push(page);
    if (page.nextCursor === null) return result;
    // A cursor that does not move forward would page for ever.
    if (BigInt(page.nextCursor) <= BigInt(cursor ?? '0'))
      throw new Error(`nextCursor ${page.nextCursor} does not move past ${cursor}`);
    cursor = page.nextCursor;
  }
}

describe('audit trail', () => {
  describe('summaries an inspector can read', () => {
    it('given the Essex scenario, writes one line per event with names, amounts in pounds and reasons', () => {
      const { h } = essexScenario();
      const state = foldTrail(h.events);
      expect(all(state).map((e) => e.summary)).toEqual([
        'root (admin) registered agency Essex County Council (essex-cc, council)',
        'root (admin) registered agency Essex Police (essex-police, police)',
        'root (admin) registered agency NHS Mid Essex (nhs-mid-essex, health)',
        'root (admin) registered agency Essex Probation (essex-probation, probation)',
        'root (admin) opened pot Essex Reducing Reoffending (Essex), hosted by Essex County Council, with partners Essex Police, Essex County Council',
        'root (admin) added Essex Probation as a partner of Essex Reducing Reoffending',
        'carol (finance officer, Essex County Council) contributed £300,000.00 to Essex Reducing Reoffending, ref ECC-77',
        'alice (finance officer, Essex Police) contributed £200,000.00 to Essex Reducing Reoffending, ref PO-1234',
        'root (admin) defined intervention Employment support in Essex Reducing Reoffending, led by Essex Probation',
        'root (admin) allocated £100,000.00 from Essex Reducing Reoffending to Employment support, drawn from Essex Police £40,000.00, Essex County Council £60,000.00; reason: Year one delivery',
        'root (admin) recorded outcome "Fewer reoffences among the first cohort" of Employment support in Essex Reducing Reoffending: benefits £60,000.00 (£40,000.00 cashable) to Essex Police £30,000.00, NHS Mid Essex £20,000.00, Essex County Council £10,000.00',
      ]);
    });

    it('names what each reversal undoes, and why', () => {
      const { h, potId, allocation, outcome } = essexScenario();
      const extra = h.contribute(potId, POLICE, '25000.00', '2025-10-01', 'PO-1300', {
        actor: ACTORS.alice,
      });
      h.reverseContribution(extra, 'Keyed twice', '2025-10-02', { actor: ACTORS.alice });
      h.retractOutcome(outcome, 'Evidence\nwithdrawn  by probation', '2025-10-03');
      h.reverseAllocation(allocation, 'Wrong intervention', '2025-10-04');
      const state = foldTrail(h.events);
      expect(
        all(state)
          .slice(-3)
          .map((e) => e.summary),
      ).toEqual([
        'alice (finance officer, Essex Police) reversed contribution of £25,000.00 from Essex Police to Essex Reducing Reoffending (ref PO-1300); reason: Keyed twice',
        'root (admin) retracted outcome "Fewer reoffences among the first cohort" of Employment support in Essex Reducing Reoffending, withdrawing benefits £60,000.00 (£40,000.00 cashable) to Essex Police £30,000.00, NHS Mid Essex £20,000.00, Essex County Council £10,000.00; reason: Evidence withdrawn by probation',
        'root (admin) reversed allocation of £100,000.00 to Employment support in Essex Reducing Reoffending (effective 2025-05-01), returning Essex Police £40,000.00, Essex County Council £60,000.00 to their stakes; reason: Wrong intervention',
      ]);
      // The entry keeps the reason exactly as written.
      expect(all(state).at(-2)!.reason).toBe('Evidence\nwithdrawn  by probation');
    });

    it('tells an admin recording a partner’s payment apart from the partner paying, and shows idempotency claims', () => {
      const { h, potId } = essexScenario();
      h.contribute(potId, POLICE, '5.00', '2025-10-01', 'PO-1301');
      h.claimKey('OpenPot', 'pot-01JQR9FR000000000000000009');
      h.contribute(potId, POLICE, '1.50', '2025-10-01', 'PO-1302', {
        actor: { sub: 'dave', role: 'finance-officer', agencyId: 'unknown-agency' },
      });
      const state = foldTrail(h.events);
      expect(
        all(state)
          .slice(-3)
          .map((e) => e.summary),
      ).toEqual([
        'root (admin) recorded a contribution of £5.00 from Essex Police to Essex Reducing Reoffending, ref PO-1301',
        'root (admin) claimed an idempotency key for OpenPot, creating stream pot-01JQR9FR000000000000000009',
        'dave (finance officer, unknown-agency) recorded a contribution of £1.50 from Essex Police to Essex Reducing Reoffending, ref PO-1302',
      ]);
    });

    it('clips a long description to one readable line', () => {
      const { h, potId, interventionId } = essexScenario();
      h.recordOutcome(potId, interventionId, {
        description: `Line one\n${'x'.repeat(300)}`,
        effectiveDate: '2025-10-01',
        benefits: [benefit(NHS, '1.00', false)],
        flows: [flow(COUNCIL, NHS, '1.00', false)],
      });
      const summary = all(foldTrail(h.events)).at(-1)!.summary;
      expect(summary).toMatch(
        /^root \(admin\) recorded outcome "Line one x{110}…" of Employment support/,
      );
      expect(summary).not.toContain('\n');
    });
  });

  it('gives every field an auditor needs, and leaves out the ones an event does not have', () => {
    const { h, potId, policeContribution } = essexScenario();
    h.registerAgency('dwp', 'DWP', 'dwp', {
      causationId: policeContribution.eventId,
      correlationId: 'corr-1',
      commandId: 'cmd-1',
    });
    const state = foldTrail(h.events);
    const entries = all(state);
    expect(entries[7]).toStrictEqual({
      position: '8',
      eventId: policeContribution.eventId,
      type: 'ContributionReceived',
      streamId: `pot-${potId}`,
      recordedAt: '2025-04-01T09:07:00.000Z',
      effectiveDate: '2025-04-11',
      actor: { sub: 'alice', role: 'finance-officer', agencyId: POLICE },
      commandId: policeContribution.metadata.commandId,
      correlationId: policeContribution.metadata.commandId,
      summary:
        'alice (finance officer, Essex Police) contributed £200,000.00 to Essex Reducing Reoffending, ref PO-1234',
      amount: '200000.00',
      potId,
      agencyIds: [POLICE],
    });
    expect(entries.at(-1)).toStrictEqual({
      position: '12',
      eventId: h.events.at(-1)!.eventId,
      type: 'AgencyRegistered',
      streamId: 'agency-dwp',
      recordedAt: '2025-04-01T09:11:00.000Z',
      actor: { sub: 'root', role: 'admin' },
      commandId: 'cmd-1',
      correlationId: 'corr-1',
      causationId: policeContribution.eventId,
      summary: 'root (admin) registered agency DWP (dwp, dwp)',
      agencyIds: ['dwp'],
    });
  });

  describe('filters', () => {
    it('by pot (idempotency claims for the pot included), by agency touched, and by actor', () => {
      const { h, potId } = essexScenario();
      h.claimKey('OpenPot', `pot-${potId}`);
      h.claimKey('RegisterAgency', 'agency-dwp');
      const state = foldTrail(h.events);
      expect(positions(state, { potId })).toEqual(['5', '6', '7', '8', '9', '10', '11', '12']);
      expect(positions(state, { agencyId: NHS })).toEqual(['3', '11']);
      expect(positions(state, { agencyId: 'dwp' })).toEqual(['13']);
      expect(positions(state, { agencyId: 'essex-probation' })).toEqual(['4', '6', '9']);
      expect(positions(state, { actor: 'alice' })).toEqual(['8']);
      expect(positions(state, { actor: 'root', agencyId: POLICE, potId })).toEqual([
        '5',
        '10',
        '11',
      ]);
      expect(positions(state, { actor: 'nobody' })).toEqual([]);
    });

    it('by recordedAt, inclusive, a day meaning the whole UTC day', () => {
      const h = createHistory();
      for (const recordedAt of [
        '2025-04-01T23:59:59.999Z',
        '2025-04-02T00:00:00.000Z',
        '2025-04-02T23:59:59.999Z',
        '2025-04-03T00:00:00.000Z',
      ]) {
        h.claimKey('RegisterAgency', 'agency-dwp', { recordedAt });
      }
      const state = foldTrail(h.events);
      expect(positions(state, { from: '2025-04-02', to: '2025-04-02' })).toEqual(['2', '3']);
      expect(positions(state, { from: '2025-04-02' })).toEqual(['2', '3', '4']);
      expect(positions(state, { to: '2025-04-01' })).toEqual(['1']);
      expect(
        positions(state, { from: '2025-04-02T00:00:00Z', to: '2025-04-03T00:00:00.000Z' }),
      ).toEqual(['2', '3', '4']);
      expect(
        positions(state, { from: '2025-04-02T01:00:00+01:00', to: '2025-04-02T23:59:59.998Z' }),
      ).toEqual(['2']);
    });

    it('refuses bounds, cursors and limits it cannot read', () => {
      const state = foldTrail(essexScenario().h.events);
      expect(() => auditEntries(state, { from: '2025-02-30', limit: 10 })).toThrow(RangeError);
      expect(() => auditEntries(state, { to: '2025-04-01T09:00:00', limit: 10 })).toThrow(
        RangeError,
      );
      expect(() => auditEntries(state, { from: 'yesterday', limit: 10 })).toThrow(RangeError);
      expect(() => auditEntries(state, { cursor: '-1', limit: 10 })).toThrow(RangeError);
      expect(() => auditEntries(state, { limit: 0 })).toThrow(RangeError);
      expect(() => auditEntries(state, { limit: 1_001 })).toThrow(RangeError);
    });
  });

  describe('paging', () => {
    it('pages concatenate to the whole trail, and the last page says there is no more', () => {
      const { h } = essexScenario();
      const state = foldTrail(h.events);
      for (const limit of [1, 3, 5, 11, 12]) {
        const result = pages(state, { limit });
        expect(result.flatMap((p) => p.entries)).toEqual(all(state));
        expect(result.every((p) => p.entries.length <= limit)).toBe(true);
        expect(result.at(-1)!.nextCursor).toBeNull();
      }
      // 11 entries in pages of 3: the cursor is the last position returned.
      expect(pages(state, { limit: 3 }).map((p) => p.nextCursor)).toEqual(['3', '6', '9', null]);
      // Exactly one full page: no empty page to fetch afterwards.
      expect(pages(state, { limit: 11 })).toHaveLength(1);
    });

    it('pages of a filtered trail concatenate to the filtered trail', () => {
      const { h } = essexScenario();
      const state = foldTrail(h.events);
      const result = pages(state, { agencyId: POLICE, limit: 2 });
      expect(result.flatMap((p) => p.entries.map((e) => e.position))).toEqual([
        '2',
        '5',
        '8',
        '10',
        '11',
      ]);
      expect(result.map((p) => p.nextCursor)).toEqual(['5', '10', null]);
    });

    it('returns entries strictly after the cursor, wherever it falls', () => {
      const state = foldTrail(essexScenario().h.events);
      expect(auditEntries(state, { cursor: '5', limit: 2 })).toMatchObject({
        entries: [{ position: '6' }, { position: '7' }],
        nextCursor: '7',
      });
      expect(auditEntries(state, { cursor: '0', limit: 1 }).entries[0]!.position).toBe('1');
      expect(auditEntries(state, { cursor: '11', limit: 5 })).toEqual({
        entries: [],
        nextCursor: null,
      });
      expect(auditEntries(state, { cursor: '99999999999999999999', limit: 5 })).toEqual({
        entries: [],
        nextCursor: null,
      });
      expect(auditEntries(state, { potId: 'no-such-pot', limit: 5 })).toEqual({
        entries: [],
        nextCursor: null,
      });
    });

    it('on a huge log, a narrow time filter stops after its scan budget and hands back a cursor to carry on from', () => {
      const h = createHistory();
      const template = h.claimKey('RegisterAgency', 'agency-dwp', {
        recordedAt: '2025-04-01T09:00:00.000Z',
      });
      const count = MAX_AUDIT_ENTRIES_SCANNED_PER_PAGE + 10;
      const log = Array.from({ length: count }, (_, i) => ({
        ...template,
        position: BigInt(i + 1),
        metadata: {
          ...template.metadata,
          recordedAt: i === count - 1 ? '2025-04-02T09:00:00.000Z' : template.metadata.recordedAt,
        },
      }));
      const state = foldTrail(log);

      const first = auditEntries(state, { from: '2025-04-02', limit: 10 });
      expect(first).toEqual({
        entries: [],
        nextCursor: String(MAX_AUDIT_ENTRIES_SCANNED_PER_PAGE),
      });
      const second = auditEntries(state, {
        from: '2025-04-02',
        cursor: first.nextCursor!,
        limit: 10,
      });
      expect(second.entries.map((e) => e.position)).toEqual([String(count)]);
      expect(second.nextCursor).toBeNull();
      // The cursor is found by binary search: a page deep in the log is as quick as the first.
      expect(auditEntries(state, { cursor: String(count - 2), limit: 10 }).entries).toHaveLength(2);
    });
  });

  it('stops loudly when positions do not strictly increase', () => {
    const { h } = essexScenario();
    const events = [...h.events, h.events[3]!];
    expect(() => foldAll(auditTrailProjection, events)).toThrow(
      /invariant: audit trail got position 4 after 11/,
    );
  });
});
