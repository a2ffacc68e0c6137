/**
 * Which PostgreSQL failures are "the database could not be reached" (503, wait and retry) and
 * which keep their own meaning (a refused statement, a constraint): src/store/postgres/connectionLoss.ts.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/store/eventStore.ts';
import {
  asStoreUnavailable,
  connectionLossReason,
  reaching,
} from '../../src/store/postgres/connectionLoss.ts';

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:5432`), { code });
}

function databaseError(code: string, message = 'database error'): pg.DatabaseError {
  return Object.assign(new pg.DatabaseError(message, message.length, 'error'), { code });
}

describe('connectionLossReason', () => {
  it.each([
    [systemError('ECONNREFUSED'), 'connection refused'],
    [systemError('ECONNRESET'), 'connection reset'],
    [
      new AggregateError([systemError('ECONNREFUSED')], 'all addresses failed'),
      'connection refused',
    ],
    [new Error('Connection terminated unexpectedly'), 'connection lost'],
    [new Error('timeout exceeded when trying to connect'), 'connection timed out'],
    [
      databaseError('57P01', 'terminating connection due to administrator command'),
      'the database server was shut down',
    ],
    [
      databaseError('57P03', 'the database system is starting up'),
      'the database server is not accepting connections (starting up or shutting down)',
    ],
    [databaseError('08006'), 'connection failed'],
  ])('%s → %s', (error, reason) => {
    expect(connectionLossReason(error)).toBe(reason);
  });

  it.each([
    databaseError('23505', 'duplicate key value violates unique constraint'),
    databaseError('25006', 'cannot execute INSERT in a read-only transaction'),
    databaseError('42P01', 'relation does not exist'),
    new Error('append to pot-x: refusing an empty event list'),
    'not an error',
  ])('%s is not a lost connection', (error) => {
    expect(connectionLossReason(error)).toBeUndefined();
  });

  it('names no host, user or password: only the kind of failure', () => {
    const error = asStoreUnavailable(systemError('ECONNREFUSED'));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).reason).not.toMatch(/10\.0\.0\.1|5432/);
    expect((error as StoreUnavailableError).recorded).toBe('no');
    expect(
      (asStoreUnavailable(systemError('EPIPE'), 'unknown') as StoreUnavailableError).recorded,
    ).toBe('unknown');
  });

  it('reaching() turns a lost connection into StoreUnavailableError and passes anything else through', async () => {
    await expect(
      reaching(() => Promise.reject(systemError('ECONNREFUSED'))),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    const refused = databaseError('23505');
    await expect(reaching(() => Promise.reject(refused))).rejects.toBe(refused);
    await expect(reaching(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
