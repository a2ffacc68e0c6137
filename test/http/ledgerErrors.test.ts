/**
 * How the core's LedgerError reaches a client: the refusals (busy, out of time, behind) keep their
 * 503 and Retry-After; a log that no longer matches what the books folded from it (a store-backed
 * Merkle chunk that does not hash to its folded root: src/audit/storeMerkleLog.ts) answers its own
 * code, LOG_INTEGRITY_FAILED, not the anonymous INTERNAL_ERROR, and is logged as an error for
 * the operator, with no Retry-After (asking again will not help).
 */
import Fastify from 'fastify';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/books/ledgerError.ts';
import { installErrorHandling } from '../../src/http/plugins/errors.ts';
import { expectProblem } from './helpers.ts';

async function answerTo(error: LedgerError) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ logger: { level: 'info', stream } });
  installErrorHandling(app);
  app.get('/read', async () => {
    throw error;
  });
  await app.ready();
  const res = await app.inject({ method: 'GET', url: '/read' });
  await app.close();
  return { res, errors: lines.filter((line) => line.level === 50) };
}

describe('a LedgerError as a problem', () => {
  it('LOG_INTEGRITY_FAILED: 500 with its own code and the detail that says to run potledger verify, logged as an error, no Retry-After', async () => {
    const detail =
      "the store's events at positions 1..256 no longer hash to the Merkle log folded from them: run potledger verify";
    const { res, errors } = await answerTo(new LedgerError('LOG_INTEGRITY_FAILED', detail));
    const body = expectProblem(res, 500, 'LOG_INTEGRITY_FAILED');
    expect(body.detail).toBe(detail);
    expect(body.type).toBe('urn:potledger:problem:log-integrity-failed');
    expect(res.headers['retry-after']).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'LOG_INTEGRITY_FAILED', detail });
  });

  it('HISTORY_BUSY: 503 with Retry-After, and no error logged (a refusal, not a fault)', async () => {
    const { res, errors } = await answerTo(new LedgerError('HISTORY_BUSY', 'busy', 3));
    expectProblem(res, 503, 'HISTORY_BUSY');
    expect(res.headers['retry-after']).toBe('3');
    expect(errors).toEqual([]);
  });
});
