/**
 * Issue 13 item 9, as properties over any text: the door (`text`) refuses exactly the text that
 * holds a hidden character (events/hiddenCharacters.ts), and nothing the ledger displays or
 * exports (audit trail entries, exceptions, CSV cells, JSON written for programs) carries one,
 * whatever an older event holds, while the JSON still parses back to the exact text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeHiddenCharactersInJson,
  hasHiddenCharacter,
  revealHiddenCharacters,
} from '../../events/hiddenCharacters.ts';
import type { Envelope } from '../../events/index.ts';
import { storedText, text } from '../../events/primitives.ts';
import { auditEntryAt, auditTrailProjection } from '../../projections/auditTrail.ts';
import { exceptionsProjection, potExceptions } from '../../projections/exceptions.ts';
import { csvCell } from '../../src/export/csv.ts';

const HIDDEN = [
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200E',
  '\u200F',
  '\u061C',
  '\u200B',
  '\u200C',
  '\u200D',
  '\u2060',
  '\u2061',
  '\u2062',
  '\u2063',
  '\u2064',
  '\uFEFF',
  '\u00AD',
  '\u180E',
  '\u206A',
  '\u{E0001}',
  '\u{E0041}',
  '\u{E007F}',
  '\u115F',
  '\u1160',
  '\u3164',
  '\uFFA0',
  '\uFFF9',
];

/** Text mixing hidden characters with anything else, graphemes of every script included. */
const textWithHidden = fc
  .array(
    fc.oneof(
      fc.constantFrom(...HIDDEN),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
      fc.constantFrom('PO-1', 'gnp.exe', 'مجلس', '=SUM(A1)'),
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((parts) => parts.join(''));

describe('hidden characters, whatever the text', () => {
  it('every one of the sample is hidden, and ordinary text of any script is not', () => {
    for (const c of HIDDEN)
      expect(hasHiddenCharacter(`a${c}b`), `U+${c.codePointAt(0)!.toString(16)}`).toBe(true);
    for (const plain of [
      'Essex County Council',
      'مجلس مقاطعة إسكس',
      'Café Ñoño',
      '💸 budget',
      'Z̴̡a̶l̷g̴o̵',
      '日本語',
      'line\nbreak',
    ])
      expect(hasHiddenCharacter(plain)).toBe(false);
  });

  it('the door refuses text exactly when it holds one; the event schema still reads it (older events parse)', () => {
    fc.assert(
      fc.property(textWithHidden, (value) => {
        const stored = storedText(10_000, { multiline: true }).safeParse(value);
        if (!stored.success) return; // blank, a control character or a lone surrogate: refused for other reasons
        const accepted = text(10_000, { multiline: true }).safeParse(value);
        expect(accepted.success).toBe(!hasHiddenCharacter(value));
        if (!accepted.success)
          expect(accepted.error.issues[0]!.message).toMatch(/U\+[0-9A-F]{4,5}/);
      }),
    );
  });

  it('revealed, no hidden character is left; text without one is unchanged', () => {
    fc.assert(
      fc.property(textWithHidden, (value) => {
        const shown = revealHiddenCharacters(value);
        expect(hasHiddenCharacter(shown)).toBe(false);
        if (!hasHiddenCharacter(value)) expect(shown).toBe(value);
      }),
    );
  });

  it('a CSV cell never carries one', () => {
    fc.assert(
      fc.property(textWithHidden, (value) => {
        expect(hasHiddenCharacter(csvCell(value))).toBe(false);
      }),
    );
  });

  it('JSON written for programs carries none, and parses back to exactly the same value', () => {
    fc.assert(
      fc.property(
        fc.dictionary(textWithHidden, fc.oneof(textWithHidden, fc.array(textWithHidden))),
        (value) => {
          const json = escapeHiddenCharactersInJson(JSON.stringify(value, null, 2));
          expect(hasHiddenCharacter(json)).toBe(false);
          expect(JSON.parse(json)).toEqual(value);
        },
      ),
    );
  });

  it('audit trail entries and exceptions folded from events holding any of them show none', () => {
    fc.assert(
      fc.property(textWithHidden, textWithHidden, textWithHidden, (name, sub, reason) => {
        const potId = '01J00000000000000000000001';
        const metadata = {
          commandId: 'c1',
          correlationId: 'c1',
          actor: { sub, role: 'admin' },
          recordedAt: '2025-05-01T10:00:00.000Z',
        };
        const events = [
          {
            type: 'AgencyRegistered',
            data: { agencyId: 'essex-cc', name, kind: 'council' },
            streamId: 'agency-essex-cc',
          },
          {
            type: 'PotOpened',
            data: {
              potId,
              name,
              area: name,
              hostAgencyId: 'essex-cc',
              partnerAgencyIds: ['essex-cc'],
              currency: 'GBP',
            },
            streamId: `pot-${potId}`,
          },
          {
            type: 'ContributionReceived',
            data: {
              potId,
              contributionId: '01J00000000000000000000002',
              agencyId: 'essex-cc',
              amount: '10.00',
              effectiveDate: '2025-05-01',
              reference: name,
            },
            streamId: `pot-${potId}`,
          },
          {
            type: 'ContributionReversed',
            data: {
              potId,
              contributionId: '01J00000000000000000000002',
              reversedEventId: '01J00000000000000000000012',
              agencyId: 'essex-cc',
              amount: '10.00',
              effectiveDate: '2025-05-02',
              reason,
            },
            streamId: `pot-${potId}`,
          },
        ].map(
          (e, i) =>
            ({
              ...e,
              eventId: `01J0000000000000000000001${i}`,
              streamRevision: BigInt(i),
              position: BigInt(i + 1),
              metadata,
            }) as unknown as Envelope,
        );
        let trail = auditTrailProjection.initialState();
        let exceptions = exceptionsProjection.initialState();
        for (const event of events) {
          trail = auditTrailProjection.evolve(trail, event);
          exceptions = exceptionsProjection.evolve(exceptions, event);
        }
        for (let i = 0; i < trail.size; i++)
          expect(hasHiddenCharacter(JSON.stringify(auditEntryAt(trail, i, events[i]!)))).toBe(
            false,
          );
        const listed = potExceptions(exceptions, potId);
        expect(listed.length).toBeGreaterThan(0);
        expect(hasHiddenCharacter(JSON.stringify(listed))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
