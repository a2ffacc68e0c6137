/**
 * Issue 13 item 3: slow and greedy clients, on a real listening server. A body trickled a byte
 * at a time, headers that never finish and a silent connection are all cut off by the request
 * timeout (408, then the connection closes) instead of holding a connection for as long as the
 * client likes; connections beyond the cap are closed as soon as they are accepted.
 *
 * The limits are set small so the test is quick; the only time asserted is a generous ceiling
 * by which the server must have ended the connection at all (with no timeout it never would).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestLedger, type TestLedger } from '../support/testLedger.ts';

const REQUEST_TIMEOUT_MS = 400;
const MAX_CONNECTIONS = 4;
/** The server must have ended a slow connection by then; without the limits it never does. */
const CEILING_MS = 10_000;
const TRICKLE_EVERY_MS = 50;

let ledger: TestLedger;
let port: number;

beforeAll(async () => {
  ledger = await createTestLedger({
    serverLimits: {
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      headersTimeoutMs: REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: 30_000,
      keepAliveTimeoutMs: 30_000,
      maxConnections: MAX_CONNECTIONS,
    },
  });
  await ledger.app.listen({ port: 0, host: '127.0.0.1' });
  const address = ledger.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  port = address.port;
});
afterAll(async () => {
  await ledger?.close();
});

interface Connection {
  readonly socket: Socket;
  /** Everything the server sent, so far. */
  received(): string;
  /** Settles when the server (or the network) ends the connection; 'still open' at the ceiling. */
  readonly ended: Promise<'closed' | 'still open'>;
}

async function open(): Promise<Connection> {
  const socket = connect({ port, host: '127.0.0.1' });
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  const ended = new Promise<'closed' | 'still open'>((resolve) => {
    const timer = setTimeout(() => resolve('still open'), CEILING_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received, ended };
}

/** Writes `text` a byte every TRICKLE_EVERY_MS until the connection ends; the client never stops on its own. */
function trickle(connection: Connection, text: string): void {
  let at = 0;
  const timer = setInterval(() => {
    if (connection.socket.destroyed || at >= text.length) return;
    connection.socket.write(text[at]!);
    at += 1;
  }, TRICKLE_EVERY_MS);
  void connection.ended.then(() => clearInterval(timer));
}

async function expectCutOff(connection: Connection): Promise<void> {
  const ended = await connection.ended;
  connection.socket.destroy();
  expect(
    ended,
    `the server still held the connection after ${CEILING_MS} ms; it sent: ${JSON.stringify(connection.received())}`,
  ).toBe('closed');
  // Either an answer was under way (408) or the connection was simply closed; never a 2xx.
  expect(connection.received()).toMatch(/^(|HTTP\/1\.1 408 [^]*)$/);
}

const requestHead = (method: string, path: string, headers: Record<string, string>) =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;

describe('request timeouts on a listening server', () => {
  it('a body trickled a byte at a time to a write route is cut off, and nothing is appended', async () => {
    const before = await ledger.store.headPosition();
    const body = JSON.stringify({ agencyId: 'slow-agency', name: 'Slow agency', kind: 'other' });
    const connection = await open();
    connection.socket.write(
      requestHead('POST', '/v1/agencies', {
        authorization: `Bearer ${ledger.token('admin')}`,
        'content-type': 'application/json',
        'content-length': String(body.length + 1_000),
      }),
    );
    trickle(connection, body + ' '.repeat(1_000));
    await expectCutOff(connection);
    expect(await ledger.store.headPosition()).toBe(before);
  });

  it('POST /health with a body trickled a byte at a time is cut off', async () => {
    const connection = await open();
    connection.socket.write(
      requestHead('POST', '/health', {
        'content-type': 'application/json',
        'content-length': '100000',
      }),
    );
    trickle(connection, '{"x":"' + 'y'.repeat(99_990) + '"}');
    await expectCutOff(connection);
  });

  it('headers trickled a byte at a time are cut off', async () => {
    const connection = await open();
    trickle(
      connection,
      `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'z'.repeat(10_000)}\r\n\r\n`,
    );
    await expectCutOff(connection);
  });

  it('a connection that sends half a request and then nothing is cut off', async () => {
    const connection = await open();
    connection.socket.write('POST /v1/agencies HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await expectCutOff(connection);
  });

  it('control: a request sent at once is answered as usual on the same server', async () => {
    const connection = await open();
    connection.socket.write(requestHead('GET', '/health', { connection: 'close' }));
    expect(await connection.ended).toBe('closed');
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('connection cap on a listening server', () => {
  it(`holds at most ${MAX_CONNECTIONS} connections: one more is closed unanswered, and a freed slot serves again`, async () => {
    // Keep-alive connections that have each been answered once, so the server has accepted them all.
    const held: Connection[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const connection = await open();
      connection.socket.write(requestHead('GET', '/health', {}));
      await expect
        .poll(() => connection.received(), { timeout: CEILING_MS })
        .toMatch(/^HTTP\/1\.1 200 [^]*\r\n\r\n[^]*\}$/);
      held.push(connection);
    }

    const extra = await open();
    extra.socket.write(requestHead('GET', '/health', { connection: 'close' }));
    expect(await extra.ended).toBe('closed');
    expect(extra.received()).toBe('');

    held.pop()!.socket.destroy();
    // The server notices the freed slot when the close reaches it; retry until it has.
    await expect
      .poll(
        async () => {
          const again = await open();
          again.socket.write(requestHead('GET', '/health', { connection: 'close' }));
          await again.ended;
          return again.received();
        },
        { timeout: CEILING_MS, interval: 50 },
      )
      .toMatch(/^HTTP\/1\.1 200 /);
    for (const connection of held) connection.socket.destroy();
  });
});
