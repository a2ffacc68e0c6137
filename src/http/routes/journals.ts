/**
 * Partner journals (docs/pooled-fund-year.md, "Partner journals"): each partner's journal
 * mapping (its cost centres and account codes, versioned, kept in the pot's stream) and the
 * journal it posts in its own ledger for a financial year, JSON or CSV. The journal posts the
 * partner's line of the memorandum account, so the two agree; its debits equal its credits.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RecordJournalMappingBody } from '../../../commands/recordJournalMapping.ts';
import {
  JOURNAL_LINE_TYPES,
  JournalMappingRecordedV1,
  type JournalMappingRecorded,
} from '../../../events/journalMapping.ts';
import { AgencyId, FinancialYear, Ulid } from '../../../events/primitives.ts';
import { journalMappingOf, partnerJournal } from '../../../projections/partnerJournal.ts';
import { journalCsv } from '../../export/journalCsv.ts';
import { httpProblem } from '../plugins/errors.ts';
import { errorResponses, Position, Written } from '../schemas.ts';
import { MemorandumAnswer, sendCsv, wantsCsv } from './poolYearReports.ts';
import { answerFromBooks, ReadQuery, type RouteDeps } from './routeDeps.ts';
import { answerWrite, commandEnvelope, fromEventData, WriteHeaders } from './writeRoute.ts';

const Params = z.object({ potId: Ulid, agencyId: AgencyId });
const SignedMoney = z.string().describe('Amount in GBP, 2 decimal places');

const MappingView = JournalMappingRecordedV1.extend({
  eventId: z.string(),
  position: Position,
  recordedAt: z.string(),
});
export const JournalMappingAnswer = z.object({
  potId: z.string(),
  agencyId: z.string(),
  current: MappingView.nullable().describe('The version in force; null without a mapping'),
  versions: z.array(MappingView).readonly(),
});

export const JournalAnswer = z.object({
  potId: z.string(),
  agencyId: z.string(),
  financialYear: z.string(),
  settled: z.boolean(),
  mapped: z.boolean().describe('false: no journal mapping, every line is coded by its line type'),
  mappingVersion: z.number().nullable(),
  mappingEventId: z.string().nullable(),
  unmappedLineTypes: z.array(z.enum(JOURNAL_LINE_TYPES)).readonly(),
  note: z.string().nullable(),
  lines: z
    .array(
      z.object({
        lineType: z.enum(JOURNAL_LINE_TYPES),
        schemeId: z.string().optional(),
        description: z.string(),
        costCentre: z.string(),
        accountCode: z.string(),
        debit: SignedMoney,
        credit: SignedMoney,
      }),
    )
    .readonly(),
  totals: z.object({ debit: SignedMoney, credit: SignedMoney }),
  memorandum: MemorandumAnswer.shape.partners.unwrap().element,
});

const notFound = (potId: string) => httpProblem('NOT_FOUND', `pot ${potId} does not exist`);
const notAPartner = (potId: string, agencyId: string) =>
  httpProblem('NOT_A_PARTNER', `${agencyId} is not a partner of pot ${potId}`, {
    agencyIds: [agencyId],
  });

export const journalRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/v1/pots/:potId/journal-mappings/:agencyId',
      {
        config: { access: ['admin', 'finance-officer'] },
        schema: {
          tags: ['pooled-fund year'],
          summary:
            "Record a partner's journal mapping: the cost centre and account code each line type of its journal posts to",
          description:
            "An admin, or a finance officer of that agency (another agency's is 403). The agency must be a partner (409 NOT_A_PARTNER). " +
            'The first mapping is version 1 and names nothing; a later one names the version in force it `replaces` (409 JOURNAL_MAPPING_VERSION_CONFLICT otherwise). ' +
            `Line types: ${JOURNAL_LINE_TYPES.join(', ')}; one left out is coded by its line type.`,
          headers: WriteHeaders,
          params: Params,
          body: RecordJournalMappingBody,
          response: {
            201: Written.extend({
              agencyId: z.string(),
              version: z.number(),
              replaces: z.number().optional(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          deps.commands.recordJournalMapping(
            request.params.potId,
            request.params.agencyId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData((data: JournalMappingRecorded) => ({
            agencyId: data.agencyId,
            version: data.version,
            ...(data.replaces === undefined ? {} : { replaces: data.replaces.version }),
          })),
        ),
    );

    app.get(
      '/v1/pots/:potId/journal-mappings/:agencyId',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pooled-fund year'],
          summary: "A partner's journal mapping: the version in force and every version recorded",
          description: '409 NOT_A_PARTNER for an agency that is not a partner of the pot.',
          params: Params,
          querystring: ReadQuery,
          response: { 200: JournalMappingAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { potId, agencyId } = request.params;
        return answerFromBooks(deps, request.query, reply, ['poolYear'], (books) => {
          const answer = journalMappingOf(books.poolYear, potId, agencyId);
          if (answer === null) throw notFound(potId);
          if (answer === 'not-a-partner') throw notAPartner(potId, agencyId);
          return { potId, agencyId, ...answer };
        });
      },
    );

    app.get(
      '/v1/pots/:potId/journals/:agencyId',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pooled-fund year'],
          summary:
            "A partner's journal for a financial year: the lines it posts in its own ledger, mapped to its account codes",
          description:
            "Posts the partner's line of the memorandum account (GET …/memorandum), so the figures agree; the debits equal the credits, balanced by the poolBalance line. " +
            'A partner without a journal mapping gets its line types as account codes (`mapped: false` and a note). ' +
            'JSON, or CSV with format=csv or Accept: text/csv (one row per line, no totals row). 409 NOT_A_PARTNER for an agency that is not a partner.',
          params: Params,
          querystring: ReadQuery.extend({
            financialYear: FinancialYear,
            format: z
              .enum(['json', 'csv'])
              .optional()
              .describe('csv for a spreadsheet (or send Accept: text/csv)'),
          }),
          produces: ['application/json', 'text/csv'],
          response: { 200: JournalAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { potId, agencyId } = request.params;
        const { financialYear, format, ...query } = request.query;
        const journal = await answerFromBooks(deps, query, reply, ['poolYear'], (books) => {
          const answer = partnerJournal(books.poolYear, potId, agencyId, financialYear);
          if (answer.kind === 'no-pot') throw notFound(potId);
          if (answer.kind === 'not-a-partner') throw notAPartner(potId, agencyId);
          return answer.journal;
        });
        if (!wantsCsv(request, format)) return journal;
        return sendCsv(reply, `journal-${agencyId}-${financialYear}.csv`, journalCsv(journal));
      },
    );
  };
