/**
 * The fast hashing paths of `potledger verify` against the plain recipes they replace: the
 * canonical JSON against the `canonicalize` package, an event's hash against SHA-256 over
 * `canonicalize` of the whole event, a Merkle leaf against leafHash(eventLeafData(event)), and
 * the one-shot leaf and node hashes against a streamed SHA-256 of prefix ‖ input.
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonWithout } from '../../src/audit/canonicalJson.ts';
import { eventHash } from '../../src/audit/eventHash.ts';
import { eventLeafHash } from '../../src/audit/logVerifier.ts';
import { leafHash, leafHashOfText, nodeHash } from '../../src/audit/merkle.ts';
import { eventLeafData } from '../../src/audit/merkleLog.ts';

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** JSON values with awkward keys and strings: unicode, escapes, digits, "__proto__"-free. */
const json = fc.jsonValue({ maxDepth: 4 });
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

describe('canonicalJson', () => {
  it('writes exactly what canonicalize writes, for any JSON value', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes what canonicalize writes when many objects share key sequences (the cached key orders)', () => {
    // Few keys, so the same sequences (and the same keys in other orders) recur across runs.
    const key = fc.constantFrom('a', 'b', 'B', 'é', '10', '2', '', '\u{1F600}', 'a\u0000');
    const leaf = fc.jsonValue({ maxDepth: 1 });
    const record = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf)), { maxKeys: 6 });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 6 }), (records) => {
        expect(canonicalJson(records)).toBe(canonicalize(records));
        for (const one of records) expect(canonicalJson(one)).toBe(canonicalize(one));
      }),
      { numRuns: 500 },
    );
  });

  it('quotes strings as canonicalize does: escapes, control characters, lone and paired surrogates', () => {
    const strings = ['plain', 'a"b', 'a\\b', '\u0000\u001f', '\u007f', '\u2028', 'é', '\u{1F600}'];
    for (const text of [...strings, '\ud800', 'x\udfffy', '\ud83d\ude00\ud83d'])
      expect(canonicalJson({ [text]: text, list: [text] })).toBe(
        canonicalize({ [text]: text, list: [text] }),
      );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
        expect(canonicalJson(text)).toBe(canonicalize(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('skips undefined members and writes undefined array items as null, as canonicalize does', () => {
    const value = { b: undefined, a: [1, undefined, 'x'], c: { z: 1, y: undefined } };
    expect(canonicalJson(value)).toBe(canonicalize(value));
  });

  it('refuses NaN and Infinity', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow();
  });

  it('canonicalJsonWithout leaves out one top-level key only', () => {
    fc.assert(
      fc.property(fc.dictionary(anyText, json), anyText, (object, key) => {
        const { [key]: _left, ...rest } = object;
        expect(canonicalJsonWithout(object, key)).toBe(canonicalize(rest));
      }),
      { numRuns: 500 },
    );
  });
});

const recordedEvent = fc.record({
  streamId: anyText,
  streamRevision: fc.bigInt({ min: 0n, max: 2n ** 62n }),
  position: fc.bigInt({ min: 1n, max: 2n ** 62n }),
  eventId: anyText,
  type: anyText,
  data: json,
  metadata: fc.record(
    { hash: fc.option(anyText, { nil: undefined }), recordedAt: anyText, extra: json },
    { requiredKeys: ['recordedAt'] },
  ),
});

describe('eventHash', () => {
  it('is SHA-256 over canonicalize of the event with its metadata less hash', () => {
    fc.assert(
      fc.property(recordedEvent, (event) => {
        const { hash: _ignored, ...metadata } = event.metadata;
        const expected = sha256Hex(
          canonicalize({
            streamId: event.streamId,
            streamRevision: event.streamRevision.toString(),
            eventId: event.eventId,
            type: event.type,
            data: event.data,
            metadata,
          })!,
        );
        expect(eventHash(event)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Merkle leaves and nodes', () => {
  it('eventLeafHash is leafHash(eventLeafData(event))', () => {
    fc.assert(
      fc.property(recordedEvent, anyText, (event, hash) => {
        const withHash = {
          ...event,
          metadata: { ...event.metadata, hash },
        } as unknown as Parameters<typeof eventLeafData>[0];
        expect(eventLeafHash(withHash, hash).equals(leafHash(eventLeafData(withHash)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('one-shot leaf and node hashes equal SHA-256 over the prefixed input', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 64 }),
        anyText,
        (left, right, text) => {
          const streamed = (prefix: number, ...parts: Uint8Array[]) => {
            const hash = createHash('sha256').update(Buffer.from([prefix]));
            for (const part of parts) hash.update(part);
            return hash.digest();
          };
          expect(leafHash(left).equals(streamed(0, left))).toBe(true);
          expect(nodeHash(left, right).equals(streamed(1, left, right))).toBe(true);
          expect(leafHashOfText(text).equals(streamed(0, Buffer.from(text, 'utf8')))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
