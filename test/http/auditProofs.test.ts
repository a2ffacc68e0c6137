/**
 * GET /v1/audit/checkpoint, /v1/audit/proof/:eventId and /v1/audit/consistency (issue 4,
 * tamper evidence) as an auditor uses them: the checkpoint's root is the RFC 6962 root an
 * auditor computes independently from GET /v1/events; every proof the API gives verifies against
 * the checkpoint root with the verifier in src/audit/merkle.ts; each refusal has its code and
 * appends nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  createMerkleTree,
  EMPTY_ROOT,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle.ts';
import { eventLeafData } from '../../src/audit/merkleLog.ts';
import {
  allEvents,
  allocate,
  contribute,
  describeMinPosition,
  describeReadRouteAuth,
  expectProblem,
  expectValidation,
  head,
  useSharedScenario,
  type Ctx,
  type Json,
} from './helpers.ts';

const HEX64 = /^[0-9a-f]{64}$/;
const unhex = (s: string) => Buffer.from(s, 'hex');

/** The root an auditor computes from the raw events alone, for the first `size` of them. */
function independentRoot(events: readonly Json[], size: number): string {
  const tree = createMerkleTree();
  for (const e of events.slice(0, size)) {
    tree.append(
      leafHash(
        eventLeafData({
          position: BigInt(e.position),
          eventId: e.eventId,
          streamId: e.streamId,
          streamRevision: BigInt(e.streamRevision),
          metadata: e.metadata,
        }),
      ),
    );
  }
  return tree.root().toString('hex');
}

async function checkpoint(c: Ctx, query = ''): Promise<Json> {
  const res = await c.ledger.get(`/v1/audit/checkpoint${query}`, c.tokens.auditor);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('GET /v1/audit/checkpoint', () => {
  const ctx = useSharedScenario();

  it('200: the size of the log, its RFC 6962 root (as an auditor recomputes it from /v1/events) and its last position', async () => {
    const c = await ctx();
    const events = await allEvents(c.ledger);
    const body = await checkpoint(c);
    expect(body).toEqual({
      size: String(events.length),
      rootHash: independentRoot(events, events.length),
      position: events.at(-1)!.position,
      algorithm: 'RFC6962-SHA256',
    });
    expect(body.rootHash).toMatch(HEX64);
  });

  it('200 at an earlier size: the root over the first N events and the position of the N-th; size 0 is the empty log', async () => {
    const c = await ctx();
    const events = await allEvents(c.ledger);
    for (const size of [1, 2, 5, events.length - 1]) {
      expect(await checkpoint(c, `?size=${size}`)).toEqual({
        size: String(size),
        rootHash: independentRoot(events, size),
        position: events[size - 1]!.position,
        algorithm: 'RFC6962-SHA256',
      });
    }
    expect(await checkpoint(c, '?size=0')).toMatchObject({
      size: '0',
      rootHash: EMPTY_ROOT.toString('hex'),
      position: '0',
    });
  });

  it('400 VALIDATION_FAILED for a size beyond the log, and for a malformed size', async () => {
    const c = await ctx();
    const size = (await allEvents(c.ledger)).length;
    expectProblem(
      await c.ledger.get(`/v1/audit/checkpoint?size=${size + 1}`, c.tokens.auditor),
      400,
      'VALIDATION_FAILED',
    );
    for (const bad of ['abc', '-1', '1.5', '']) {
      expectValidation(
        await c.ledger.get(
          `/v1/audit/checkpoint?size=${encodeURIComponent(bad)}`,
          c.tokens.auditor,
        ),
        'querystring.size',
      );
    }
  });

  it('403 FORBIDDEN for a finance officer and a reporter; admin may read it', async () => {
    const c = await ctx();
    expectProblem(await c.ledger.get('/v1/audit/checkpoint', c.tokens.cc), 403, 'FORBIDDEN');
    expectProblem(await c.ledger.get('/v1/audit/checkpoint', c.tokens.reporter), 403, 'FORBIDDEN');
    expect((await c.ledger.get('/v1/audit/checkpoint', c.tokens.admin)).statusCode).toBe(200);
  });
});

describe('GET /v1/audit/proof/:eventId', () => {
  const ctx = useSharedScenario();

  it('200 for every event: an audit path that verifies against the checkpoint root', async () => {
    const c = await ctx();
    const events = await allEvents(c.ledger);
    const cp = await checkpoint(c);
    for (const [index, event] of events.entries()) {
      const res = await c.ledger.get(`/v1/audit/proof/${event.eventId}`, c.tokens.auditor);
      expect(res.statusCode, res.body).toBe(200);
      const proof = res.json();
      expect(proof).toMatchObject({
        eventId: event.eventId,
        position: event.position,
        leafIndex: String(index),
        treeSize: cp.size,
        rootHash: cp.rootHash,
      });
      expect(proof.leafHash).toBe(
        leafHash(
          eventLeafData({
            ...event,
            position: BigInt(event.position),
            streamRevision: BigInt(event.streamRevision),
          } as never),
        ).toString('hex'),
      );
      expect(
        verifyInclusion(
          BigInt(index),
          BigInt(cp.size),
          unhex(proof.leafHash),
          proof.auditPath.map(unhex),
          unhex(cp.rootHash),
        ),
      ).toBe(true);
    }
  });

  it("200 against an earlier checkpoint (?size=N): verifies against that checkpoint's root, not today's", async () => {
    const c = await ctx();
    const events = await allEvents(c.ledger);
    const earlier = await checkpoint(c, '?size=4');
    const res = await c.ledger.get(
      `/v1/audit/proof/${events[2]!.eventId}?size=4`,
      c.tokens.auditor,
    );
    expect(res.statusCode, res.body).toBe(200);
    const proof = res.json();
    expect(proof).toMatchObject({ treeSize: '4', leafIndex: '2', rootHash: earlier.rootHash });
    expect(
      verifyInclusion(
        2n,
        4n,
        unhex(proof.leafHash),
        proof.auditPath.map(unhex),
        unhex(earlier.rootHash),
      ),
    ).toBe(true);
    // The same path does not prove anything about today's log.
    const today = await checkpoint(c);
    expect(
      verifyInclusion(
        2n,
        BigInt(today.size),
        unhex(proof.leafHash),
        proof.auditPath.map(unhex),
        unhex(today.rootHash),
      ),
    ).toBe(false);
  });

  it('a proof from the API, forged (a wrong sibling, a wrong size, a wrong index), is refused against the checkpoint', async () => {
    const c = await ctx();
    const events = await allEvents(c.ledger);
    const cp = await checkpoint(c);
    const proof = (
      await c.ledger.get(`/v1/audit/proof/${events[3]!.eventId}`, c.tokens.auditor)
    ).json();
    const path = proof.auditPath.map(unhex);
    const other = (
      await c.ledger.get(`/v1/audit/proof/${events[4]!.eventId}`, c.tokens.auditor)
    ).json();
    const root = unhex(cp.rootHash);
    const leaf = unhex(proof.leafHash);
    const size = BigInt(cp.size);
    expect(verifyInclusion(3n, size, leaf, path, root)).toBe(true);
    expect(verifyInclusion(3n, size, leaf, [unhex(other.leafHash), ...path.slice(1)], root)).toBe(
      false,
    );
    // Claimed for another checkpoint (a wrong size, with that size's own root): refused.
    const earlier = await checkpoint(c, `?size=${size - 1n}`);
    expect(verifyInclusion(3n, size - 1n, leaf, path, unhex(earlier.rootHash))).toBe(false);
    expect(verifyInclusion(4n, size, leaf, path, root)).toBe(false);
    expect(verifyInclusion(3n, size, unhex(other.leafHash), path, root)).toBe(false);
  });

  it('404 NOT_FOUND for an event the log does not have', async () => {
    const c = await ctx();
    expectProblem(
      await c.ledger.get('/v1/audit/proof/01ARZ3NDEKTSV4RRFFQ69G5FAV', c.tokens.auditor),
      404,
      'NOT_FOUND',
    );
  });

  it('400 VALIDATION_FAILED for an event after the checkpoint size, a size beyond the log, and a malformed id or size', async () => {
    const c = await ctx();
    const events = await allEvents(c.ledger);
    expectProblem(
      await c.ledger.get(`/v1/audit/proof/${events[5]!.eventId}?size=5`, c.tokens.auditor),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await c.ledger.get(
        `/v1/audit/proof/${events[0]!.eventId}?size=${events.length + 1}`,
        c.tokens.auditor,
      ),
      400,
      'VALIDATION_FAILED',
    );
    expectValidation(
      await c.ledger.get('/v1/audit/proof/not-an-event-id', c.tokens.auditor),
      'params.eventId',
    );
    expectValidation(
      await c.ledger.get(`/v1/audit/proof/${events[0]!.eventId}?size=x`, c.tokens.auditor),
      'querystring.size',
    );
  });

  it('403 FORBIDDEN for a finance officer and a reporter', async () => {
    const c = await ctx();
    const [first] = await allEvents(c.ledger);
    expectProblem(
      await c.ledger.get(`/v1/audit/proof/${first!.eventId}`, c.tokens.cc),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await c.ledger.get(`/v1/audit/proof/${first!.eventId}`, c.tokens.reporter),
      403,
      'FORBIDDEN',
    );
  });
});

describe('GET /v1/audit/consistency', () => {
  const ctx = useSharedScenario();

  it('200: a checkpoint saved earlier is proved a prefix of the log after more writes', async () => {
    const c = await ctx();
    const saved = await checkpoint(c);
    await contribute(c, c.tokens.cc, 'essex-cc', '10.00');
    await allocate(c, '5.00');
    const now = await checkpoint(c);
    expect(BigInt(now.size)).toBe(BigInt(saved.size) + 2n);
    const res = await c.ledger.get(
      `/v1/audit/consistency?from=${saved.size}&to=${now.size}`,
      c.tokens.auditor,
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      from: saved.size,
      to: now.size,
      fromRoot: saved.rootHash,
      toRoot: now.rootHash,
    });
    expect(
      verifyConsistency(
        BigInt(saved.size),
        BigInt(now.size),
        unhex(saved.rootHash),
        unhex(now.rootHash),
        body.proof.map(unhex),
      ),
    ).toBe(true);
    // `to` defaults to the whole log.
    expect(
      (await c.ledger.get(`/v1/audit/consistency?from=${saved.size}`, c.tokens.auditor)).json(),
    ).toEqual(body);
  });

  it('200 for every earlier size: each proof verifies against the two checkpoints', async () => {
    const c = await ctx();
    const now = await checkpoint(c);
    for (let from = 1; from <= Number(now.size); from++) {
      const earlier = await checkpoint(c, `?size=${from}`);
      const body = (
        await c.ledger.get(`/v1/audit/consistency?from=${from}&to=${now.size}`, c.tokens.auditor)
      ).json();
      expect(
        verifyConsistency(
          BigInt(from),
          BigInt(now.size),
          unhex(earlier.rootHash),
          unhex(now.rootHash),
          body.proof.map(unhex),
        ),
        `from ${from}`,
      ).toBe(true);
    }
  });

  it('400 VALIDATION_FAILED for from 0, from after to, to beyond the log, and a missing or malformed from', async () => {
    const c = await ctx();
    const size = Number((await checkpoint(c)).size);
    const before = await head(c.ledger);
    expectProblem(
      await c.ledger.get(`/v1/audit/consistency?from=0&to=${size}`, c.tokens.auditor),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await c.ledger.get(`/v1/audit/consistency?from=3&to=2`, c.tokens.auditor),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await c.ledger.get(`/v1/audit/consistency?from=1&to=${size + 1}`, c.tokens.auditor),
      400,
      'VALIDATION_FAILED',
    );
    expectValidation(
      await c.ledger.get('/v1/audit/consistency', c.tokens.auditor),
      'querystring.from',
    );
    expectValidation(
      await c.ledger.get('/v1/audit/consistency?from=-2', c.tokens.auditor),
      'querystring.from',
    );
    expect(await head(c.ledger)).toBe(before);
  });

  it('403 FORBIDDEN for a finance officer and a reporter', async () => {
    const c = await ctx();
    expectProblem(
      await c.ledger.get('/v1/audit/consistency?from=1', c.tokens.cc),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await c.ledger.get('/v1/audit/consistency?from=1', c.tokens.reporter),
      403,
      'FORBIDDEN',
    );
  });
});

describeReadRouteAuth('GET /v1/audit/checkpoint', () => '/v1/audit/checkpoint');
describeReadRouteAuth('GET /v1/audit/consistency', () => '/v1/audit/consistency?from=1');
describeReadRouteAuth(
  'GET /v1/audit/proof/:eventId',
  () => '/v1/audit/proof/01ARZ3NDEKTSV4RRFFQ69G5FAV',
);
describeMinPosition('GET /v1/audit/checkpoint', () => '/v1/audit/checkpoint');
describeMinPosition('GET /v1/audit/consistency', () => '/v1/audit/consistency?from=1');
