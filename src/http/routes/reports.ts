import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgencyId, FinancialYear, MAX_NAME_CHARS, Ulid } from '../../../events/primitives.ts';
import { auditEntries } from '../../../projections/auditTrail.ts';
import { flowsMatrix } from '../../../projections/benefitFlows.ts';
import { parseTimeBound } from '../../../projections/timeBounds.ts';
import { MAX_READ_ALL_BATCH_EVENTS } from '../../store/eventStore.ts';
import { AuditEntryView, errorResponses, FlowsView, LimitParam, PositionParam, RawEventView } from '../schemas.ts';
import { ReadQuery, type RouteDeps } from './routeDeps.ts';

const AUDIT_ROLES = ['auditor', 'admin'] as const;

const TimeBound = (bound: 'from' | 'to') =>
  z
    .string()
    .max(40)
    .refine(
      (text) => {
        try {
          parseTimeBound(text, bound);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be YYYY-MM-DD or an ISO 8601 timestamp with a zone' },
    );

export const reportRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/flows',
      {
        config: { access: 'any' },
        schema: {
          tags: ['reports'],
          summary: 'Who invests, who benefits: the investor → beneficiary matrix and per-agency totals',
          querystring: ReadQuery.extend({ potId: Ulid.optional(), financialYear: FinancialYear.optional() }),
          response: { 200: FlowsView, ...errorResponses },
        },
      },
      async (request) => {
        await deps.readYourWrites(request.query.minPosition);
        const { potId, financialYear } = request.query;
        return flowsMatrix(deps.books().benefitFlows, {
          ...(potId === undefined ? {} : { potId }),
          ...(financialYear === undefined ? {} : { financialYear }),
        });
      },
    );

    app.get(
      '/v1/audit',
      {
        config: { access: AUDIT_ROLES },
        schema: {
          tags: ['audit'],
          summary: 'The audit trail: one entry per event, in log order, with a one-line summary',
          querystring: ReadQuery.extend({
            potId: Ulid.optional(),
            agencyId: AgencyId.optional(),
            actor: z.string().min(1).max(MAX_NAME_CHARS).optional(),
            from: TimeBound('from').optional(),
            to: TimeBound('to').optional(),
            cursor: PositionParam.transform(String).optional(),
            limit: LimitParam,
          }),
          response: { 200: z.object({ entries: z.array(AuditEntryView).readonly(), nextCursor: z.string().nullable() }), ...errorResponses },
        },
      },
      async (request) => {
        const { minPosition, ...query } = request.query;
        await deps.readYourWrites(minPosition);
        return auditEntries(deps.books().auditTrail, dropUndefined(query));
      },
    );

    app.get(
      '/v1/events',
      {
        config: { access: AUDIT_ROLES },
        schema: {
          tags: ['audit'],
          summary: 'Raw events with metadata, in log order, strictly after the cursor',
          querystring: z.object({
            after: PositionParam.optional().describe('Position to read after; 0 or absent reads from the start'),
            limit: LimitParam,
          }),
          response: { 200: z.object({ events: z.array(RawEventView), nextCursor: z.string().nullable() }), ...errorResponses },
        },
      },
      async (request) => {
        const limit = Math.min(request.query.limit, MAX_READ_ALL_BATCH_EVENTS);
        const events = await deps.store.readAll(request.query.after ?? 0n, limit);
        const last = events[events.length - 1];
        return {
          events: events.map((e) => ({
            position: e.position.toString(),
            eventId: e.eventId,
            type: e.type,
            streamId: e.streamId,
            streamRevision: e.streamRevision.toString(),
            data: e.data,
            metadata: e.metadata as Record<string, unknown>,
          })),
          nextCursor: events.length === limit && last !== undefined ? last.position.toString() : null,
        };
      },
    );

    app.get(
      '/health',
      {
        config: { access: 'public' },
        schema: {
          tags: ['operations'],
          summary: 'Store reachable, and how far the books have read the log',
          response: {
            200: z.object({ status: z.literal('ok'), store: z.literal('ok'), headPosition: z.string(), projectionPosition: z.string() }),
            503: z.object({ status: z.literal('unavailable'), store: z.string(), detail: z.string() }),
          },
        },
      },
      async (_request, reply) => {
        try {
          await deps.store.ping();
          const head = await deps.store.headPosition();
          return { status: 'ok' as const, store: 'ok' as const, headPosition: head.toString(), projectionPosition: deps.projectionPosition().toString() };
        } catch (error) {
          return reply.status(503).send({ status: 'unavailable' as const, store: 'unreachable', detail: (error as Error).message });
        }
      },
    );
  };

function dropUndefined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
