import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgencyId, FinancialYear, MAX_NAME_CHARS, Ulid } from '../../../events/primitives.ts';
import { asLedgerEnvelope, type Envelope } from '../../../events/index.ts';
import {
  auditEntries,
  auditEntryAt,
  auditPageRows,
  MAX_AUDIT_PAGE_SIZE,
  type AuditEntry,
  type AuditQuery,
  type AuditTrailState,
  type ReadAuditEvents,
} from '../../../projections/auditTrail.ts';
import { columnAt } from '../../../projections/columns.ts';
import { flowsMatrix } from '../../../projections/benefitFlows.ts';
import { parseTimeBound } from '../../../projections/timeBounds.ts';
import {
  MAX_READ_ALL_BATCH_EVENTS,
  StoreUnavailableError,
  type EventStore,
} from '../../store/eventStore.ts';
import { CSV_CONTENT_TYPE, csvDecimal, toCsv, type CsvValue } from '../../export/csv.ts';
import { actorOf } from '../plugins/auth.ts';
import { httpProblem, STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../plugins/errors.ts';
import { OVERSIGHT_ROLES, POT_RECORD_ROLES, requirePotRecords } from '../plugins/readPolicy.ts';
import {
  AuditEntryView,
  errorResponses,
  FlowsView,
  LimitParam,
  PositionParam,
  RawEventView,
} from '../schemas.ts';
import { flowsTables } from '../../export/bookTables.ts';
import { DOWNLOAD_PRODUCES, DownloadQuery, sendTables, wantedFormat } from './downloads.ts';
import { agencyNames } from './routeDeps.ts';
import { answerFromBooks, ReadQuery, type RouteDeps } from './routeDeps.ts';

/** The raw log is everyone's events with every name in them: the oversight roles only. */
const RAW_LOG_ROLES = OVERSIGHT_ROLES;
/** Said on both audit-trail routes (the policy is src/http/plugins/readPolicy.ts). */
const AUDIT_READ_NOTE =
  'Auditors and admins read the whole trail. A finance officer reads the trail of one pot its agency is a partner of, and must name it ' +
  'with potId (without potId, or with another pot: 403 FORBIDDEN). Reporters: 403.';

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

/** The filters GET /v1/audit and its CSV export share. */
const AuditFilterQuery = ReadQuery.extend({
  potId: Ulid.optional(),
  agencyId: AgencyId.optional(),
  actor: z.string().min(1).max(MAX_NAME_CHARS).optional(),
  from: TimeBound('from').optional(),
  to: TimeBound('to').optional(),
  cursor: PositionParam.transform(String).optional(),
});

/**
 * An export is one answer, built in memory: past this many rows the auditor narrows the filters
 * (a pot, an agency, a date range, or a cursor) rather than the server holding a huge file.
 * 20,000 rows of long reasons are about 30 MB of text.
 */
export const MAX_CSV_EXPORT_ROWS = 20_000;

export const AUDIT_CSV_HEADER = [
  'position',
  'recordedAt',
  'effectiveDate',
  'type',
  'amount',
  'actorSub',
  'actorRole',
  'actorAgencyId',
  'potId',
  'summary',
  'reason',
  'commandId',
  'correlationId',
  'eventId',
] as const;

export const reportRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/flows',
      {
        config: { access: 'any' },
        schema: {
          tags: ['reports'],
          summary:
            'Who invests, who benefits: the investor → beneficiary matrix and per-agency totals',
          description:
            "With financialYear, the entries dated in that year: a reversal or retraction counts (negative) in the year it is dated in, so a closed year's figures never move, " +
            'and one that corrects a closed year is listed in priorPeriodAdjustments. Without it, the net of every year. ' +
            'format=csv downloads the investor → beneficiary rows (then the totals); format=xlsx a workbook with those and the per-agency totals.',
          querystring: ReadQuery.extend({
            potId: Ulid.optional(),
            financialYear: FinancialYear.optional(),
            interventionId: Ulid.optional(),
            ...DownloadQuery,
          }),
          produces: DOWNLOAD_PRODUCES,
          response: { 200: FlowsView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { potId, financialYear, interventionId, format, ...query } = request.query;
        const flows = await answerFromBooks(deps, query, reply, ['benefitFlows'], (books) =>
          flowsMatrix(books.benefitFlows, {
            ...(potId === undefined ? {} : { potId }),
            ...(financialYear === undefined ? {} : { financialYear }),
            ...(interventionId === undefined ? {} : { interventionId }),
          }),
        );
        const download = wantedFormat(request, format);
        if (download === 'json') return flows;
        const scope = [
          potId === undefined ? 'all-pots' : `pot-${potId}`,
          financialYear ?? 'all-years',
        ];
        return sendTables(
          reply,
          download,
          `flows-${scope.join('-')}`,
          flowsTables(flows, agencyNames(deps)),
        );
      },
    );

    app.get(
      '/v1/audit',
      {
        config: { access: POT_RECORD_ROLES },
        schema: {
          tags: ['audit'],
          summary: 'The audit trail: one entry per event, in log order, with a one-line summary',
          description: AUDIT_READ_NOTE,
          querystring: AuditFilterQuery.extend({ limit: LimitParam }),
          response: {
            200: z.object({
              entries: z.array(AuditEntryView).readonly(),
              nextCursor: z.string().nullable(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { minPosition, asAt, atPosition, ...query } = request.query;
        // Checked once minPosition is reached, so a partner reads the trail of a pot it just joined.
        return answerFromBooks(
          deps,
          { minPosition, asAt, atPosition },
          reply,
          ['auditTrail'],
          (books) => {
            requirePotRecords(actorOf(request), deps.books(), query.potId, 'the audit trail');
            return auditEntries(
              books.auditTrail,
              dropUndefined(query),
              auditEventReader(deps.store),
            );
          },
        );
      },
    );

    app.get(
      '/v1/audit/export.csv',
      {
        config: { access: POT_RECORD_ROLES },
        schema: {
          tags: ['audit'],
          summary: `The audit trail as CSV for a spreadsheet: the filters of GET /v1/audit, every matching entry (at most ${MAX_CSV_EXPORT_ROWS})`,
          description:
            'UTF-8 with a byte order mark, RFC 4180 quoting, one row per entry. A text cell starting with = + - @, tab, CR, LF or NUL ' +
            'is prefixed with a single quote so a spreadsheet shows it rather than evaluating it; the exact text is in GET /v1/audit. ' +
            AUDIT_READ_NOTE,
          querystring: AuditFilterQuery,
          produces: ['text/csv'],
          response: {
            200: z.string().describe(`CSV, columns: ${AUDIT_CSV_HEADER.join(', ')}`),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { minPosition, asAt, atPosition, ...filters } = request.query;
        const entries = await answerFromBooks(
          deps,
          { minPosition, asAt, atPosition },
          reply,
          ['auditTrail'],
          (books) => {
            requirePotRecords(actorOf(request), deps.books(), filters.potId, 'the audit trail');
            return auditEntriesForExport(
              books.auditTrail,
              dropUndefined(filters),
              auditEventReader(deps.store),
            );
          },
        );
        return reply
          .type(CSV_CONTENT_TYPE)
          .header('content-disposition', 'attachment; filename="potledger-audit.csv"')
          .send(toCsv(AUDIT_CSV_HEADER, entries.map(auditCsvRow)));
      },
    );

    app.get(
      '/v1/events',
      {
        config: { access: RAW_LOG_ROLES },
        schema: {
          tags: ['audit'],
          summary:
            'Raw events with metadata, in log order, strictly after the cursor (auditor, admin)',
          querystring: z.object({
            after: PositionParam.optional().describe(
              'Position to read after; 0 or absent reads from the start',
            ),
            limit: LimitParam,
          }),
          response: {
            200: z.object({ events: z.array(RawEventView), nextCursor: z.string().nullable() }),
            ...errorResponses,
          },
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
          nextCursor:
            events.length === limit && last !== undefined ? last.position.toString() : null,
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
            200: z.object({
              status: z.literal('ok'),
              store: z.literal('ok'),
              headPosition: z.string(),
              projectionPosition: z.string(),
              appendConflictsRetried: z
                .string()
                .describe(
                  'appends retried since start because another writer changed the stream first',
                ),
              appendConflictsGivenUp: z
                .string()
                .describe('commands answered CONCURRENCY_CONFLICT since start'),
            }),
            503: z.object({
              status: z.literal('unavailable'),
              store: z.string(),
              detail: z.string(),
            }),
          },
        },
      },
      async (request, reply) => {
        try {
          await deps.store.ping();
          const head = await deps.store.headPosition();
          const stats = deps.writeStats();
          return {
            status: 'ok' as const,
            store: 'ok' as const,
            headPosition: head.toString(),
            projectionPosition: deps.projectionPosition().toString(),
            appendConflictsRetried: stats.appendConflictsRetried.toString(),
            appendConflictsGivenUp: stats.appendConflictsGivenUp.toString(),
          };
        } catch (error) {
          // /health is public: the store's own message (hosts, user names) goes to the log only;
          // the answer says only what kind of failure it was (connection refused, shutting down).
          request.log.error({ err: error }, 'health: the event store did not answer');
          return reply
            .status(503)
            .header('retry-after', String(STORE_UNAVAILABLE_RETRY_AFTER_SECONDS))
            .send({
              status: 'unavailable' as const,
              store: 'unreachable',
              detail:
                error instanceof StoreUnavailableError
                  ? `the event store did not answer: ${error.reason}`
                  : 'the event store did not answer',
            });
        }
      },
    );
  };

function dropUndefined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

/** The audit trail's entries are built from the stored events: one indexed read per page. */
export function auditEventReader(store: Pick<EventStore, 'readPositions'>): ReadAuditEvents {
  return async (positions) => {
    const events = await store.readPositions(positions);
    return events.map(asLedgerEnvelope).filter((e): e is Envelope => e !== null);
  };
}

/**
 * Every entry the filters match; refuses (VALIDATION_FAILED) once more than `maxRows` match.
 * The rows are chosen page by page through the projection's own paging without awaiting, so
 * they all come from one state of the books; then their events are read from the store a page
 * (MAX_AUDIT_PAGE_SIZE positions) at a time.
 */
export async function auditEntriesForExport(
  state: AuditTrailState,
  filters: Omit<AuditQuery, 'limit'>,
  readEvents: ReadAuditEvents,
  maxRows: number = MAX_CSV_EXPORT_ROWS,
): Promise<AuditEntry[]> {
  const rows: number[] = [];
  let cursor = filters.cursor;
  for (;;) {
    const page = auditPageRows(state, {
      ...filters,
      ...(cursor === undefined ? {} : { cursor }),
      limit: MAX_AUDIT_PAGE_SIZE,
    });
    rows.push(...page.rows);
    if (rows.length > maxRows) {
      throw httpProblem(
        'VALIDATION_FAILED',
        `more than ${maxRows} audit entries match; narrow the export with potId, agencyId, actor, from/to or cursor`,
        { maxRows },
      );
    }
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  const entries: AuditEntry[] = [];
  for (let start = 0; start < rows.length; start += MAX_AUDIT_PAGE_SIZE) {
    const batch = rows.slice(start, start + MAX_AUDIT_PAGE_SIZE);
    const events = await readEvents(batch.map((i) => columnAt(state.positions, i)));
    const byPosition = new Map(events.map((event) => [event.position, event]));
    for (const i of batch) {
      const event = byPosition.get(columnAt(state.positions, i));
      if (event === undefined)
        throw new Error(`invariant: the store has no event for audit entry ${i}`);
      entries.push(auditEntryAt(state, i, event));
    }
  }
  return entries;
}

function auditCsvRow(entry: AuditEntry): CsvValue[] {
  return [
    entry.position,
    entry.recordedAt,
    entry.effectiveDate,
    entry.type,
    entry.amount === undefined ? null : csvDecimal(entry.amount),
    entry.actor.sub,
    entry.actor.role,
    entry.actor.agencyId,
    entry.potId,
    entry.summary,
    entry.reason,
    entry.commandId,
    entry.correlationId,
    entry.eventId,
  ];
}
