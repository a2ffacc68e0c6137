import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AllocateToInterventionBody } from '../../../commands/allocateToIntervention.ts';
import { ContributeToPotBody } from '../../../commands/contributeToPot.ts';
import { DefineInterventionBody } from '../../../commands/defineIntervention.ts';
import { JoinPotBody } from '../../../commands/joinPot.ts';
import { OpenPotBody } from '../../../commands/openPot.ts';
import { RecordOutcomeBody } from '../../../commands/recordOutcome.ts';
import { ReverseEntryBody } from '../../../commands/reverseEntry.ts';
import type {
  AllocationReversed,
  ContributionReceived,
  ContributionReversed,
  FundsAllocated,
  InterventionDefined,
  OutcomeRecorded,
  OutcomeRetracted,
  PartnerJoined,
  PotOpened,
} from '../../../events/pot.ts';
import type { AllocationRequested } from '../../../events/potControls.ts';
import { Ulid } from '../../../events/primitives.ts';
import { OutcomeValuationLine } from '../../../events/unitCost.ts';
import { listPots, potSummary } from '../../../projections/potSummary.ts';
import { actorOf } from '../plugins/auth.ts';
import { httpProblem } from '../plugins/errors.ts';
import { FIGURES_ONLY_NOTE, potSummaryFor, potView } from '../plugins/readPolicy.ts';
import { errorResponses, FlowView, FundingShareView, PotSummaryView, Written } from '../schemas.ts';
import { answerWrite, commandEnvelope, WriteHeaders, fromEventData } from './writeRoute.ts';
import { potTables } from '../../export/bookTables.ts';
import { DOWNLOAD_PRODUCES, DownloadQuery, sendTables, wantedFormat } from './downloads.ts';
import { agencyNames } from './routeDeps.ts';
import { answerFromBooks, ReadQuery, type RouteDeps } from './routeDeps.ts';

const PotParams = z.object({ potId: Ulid });
const WRITE_ROLES = ['finance-officer', 'admin'] as const;

export const potRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { commands } = deps;

    app.post(
      '/v1/pots',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['pots'],
          summary: 'Open a pooled budget (admin); the host agency is always a partner',
          headers: WriteHeaders,
          body: OpenPotBody,
          response: { 201: Written.extend({ potId: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.openPot(request.body, commandEnvelope(request)),
          fromEventData(({ potId }: PotOpened) => ({ potId })),
        ),
    );

    app.post(
      '/v1/pots/:potId/partners',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['pots'],
          summary: 'Add a partner agency to a pot (admin)',
          headers: WriteHeaders,
          params: PotParams,
          body: JoinPotBody,
          response: {
            201: Written.extend({ potId: z.string(), agencyId: z.string() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.joinPot(request.params.potId, request.body, commandEnvelope(request)),
          (event) => {
            const data = event.data as PartnerJoined;
            return { potId: data.potId, agencyId: data.agencyId };
          },
        ),
    );

    app.get(
      '/v1/pots',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pots'],
          summary: 'Pot summaries',
          description: FIGURES_ONLY_NOTE,
          querystring: ReadQuery,
          response: {
            200: z.object({ pots: z.array(PotSummaryView).readonly() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const reader = actorOf(request);
        return answerFromBooks(deps, request.query, reply, ['potSummary'], (books) => ({
          pots: listPots(books.potSummary).map((pot) =>
            potSummaryFor(potView(reader, deps.books(), pot.potId), pot),
          ),
        }));
      },
    );

    app.get(
      '/v1/pots/:potId',
      {
        config: { access: 'any' },
        schema: {
          tags: ['pots'],
          summary:
            "One pot: contributed, allocated, available, each partner's stake, interventions, pending approvals",
          description:
            FIGURES_ONLY_NOTE +
            ' format=csv downloads the stakes (one row per partner, then the totals); format=xlsx a workbook with the stakes and the interventions.',
          params: PotParams,
          querystring: ReadQuery.extend(DownloadQuery),
          produces: DOWNLOAD_PRODUCES,
          response: { 200: PotSummaryView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { format, ...query } = request.query;
        const pot = await answerFromBooks(deps, query, reply, ['potSummary'], (books) => {
          const summary = potSummary(books.potSummary, request.params.potId);
          if (summary === null)
            throw httpProblem('NOT_FOUND', `pot ${request.params.potId} does not exist`);
          return potSummaryFor(potView(actorOf(request), deps.books(), summary.potId), summary);
        });
        const download = wantedFormat(request, format);
        if (download === 'json') return pot;
        return sendTables(reply, download, `pot-${pot.potId}`, potTables(pot, agencyNames(deps)));
      },
    );

    app.post(
      '/v1/pots/:potId/contributions',
      {
        config: { access: ['finance-officer'] },
        schema: {
          tags: ['money'],
          summary: "Pay into a pot from the finance officer's own agency",
          headers: WriteHeaders,
          params: PotParams,
          body: ContributeToPotBody,
          response: { 201: Written.extend({ contributionId: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.contributeToPot(request.params.potId, request.body, commandEnvelope(request)),
          fromEventData(({ contributionId }: ContributionReceived) => ({ contributionId })),
        ),
    );

    app.post(
      '/v1/pots/:potId/interventions',
      {
        config: { access: WRITE_ROLES },
        schema: {
          tags: ['money'],
          summary: 'Define an intervention the pot can fund; its lead agency must be a partner',
          headers: WriteHeaders,
          params: PotParams,
          body: DefineInterventionBody,
          response: { 201: Written.extend({ interventionId: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.defineIntervention(request.params.potId, request.body, commandEnvelope(request)),
          fromEventData(({ interventionId }: InterventionDefined) => ({ interventionId })),
        ),
    );

    app.post(
      '/v1/pots/:potId/allocations',
      {
        config: { access: WRITE_ROLES },
        schema: {
          tags: ['money'],
          summary:
            'Fund an intervention; drawn from partners in proportion to their unallocated stakes',
          headers: WriteHeaders,
          params: PotParams,
          body: AllocateToInterventionBody,
          response: {
            201: Written.extend({
              allocationId: z.string(),
              status: z.enum(['allocated', 'pending-approval']),
              fundingShares: z.array(FundingShareView).optional(),
              approvalReason: z
                .enum(['threshold', 'rolling'])
                .optional()
                .describe(
                  "Why it is pending: the amount reached the threshold, or with the requester's recent direct allocations to the intervention it did",
                ),
              rollingWindow: z
                .object({ days: z.number().int(), allocatedInWindow: z.string() })
                .optional()
                .describe(
                  'For approvalReason "rolling": what the requester allocated directly to the intervention within the last `days` days',
                ),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.allocateToIntervention(
            request.params.potId,
            request.body,
            commandEnvelope(request),
          ),
          (event) => {
            // At or above the pot's approval threshold the allocation is only requested (four-eyes).
            if (event.type === 'AllocationRequested') {
              const requested = event.data as AllocationRequested;
              const why =
                requested.rollingWindow === undefined
                  ? { approvalReason: 'threshold' as const }
                  : { approvalReason: 'rolling' as const, rollingWindow: requested.rollingWindow };
              return {
                allocationId: requested.allocationId,
                status: 'pending-approval' as const,
                ...why,
              };
            }
            const data = event.data as FundsAllocated;
            return {
              allocationId: data.allocationId,
              status: 'allocated' as const,
              fundingShares: data.fundingShares,
            };
          },
        ),
    );

    app.post(
      '/v1/pots/:potId/interventions/:interventionId/outcomes',
      {
        config: { access: WRITE_ROLES },
        schema: {
          tags: ['money'],
          summary:
            "Record an outcome's benefits; flows from investors to beneficiaries are computed and kept",
          headers: WriteHeaders,
          params: PotParams.extend({ interventionId: Ulid }),
          body: RecordOutcomeBody,
          response: {
            201: Written.extend({
              outcomeId: z.string(),
              flows: z.array(FlowView),
              lines: z.array(OutcomeValuationLine).optional(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.recordOutcome(
            request.params.potId,
            request.params.interventionId,
            request.body,
            commandEnvelope(request),
          ),
          (event) => {
            const data = event.data as OutcomeRecorded;
            return {
              outcomeId: data.outcomeId,
              flows: data.flows,
              ...(data.lines === undefined ? {} : { lines: data.lines }),
            };
          },
        ),
    );

    app.post(
      '/v1/pots/:potId/reversals',
      {
        config: { access: WRITE_ROLES },
        schema: {
          tags: ['money'],
          summary:
            'Undo a contribution, allocation or outcome by a reversal event naming it, with a reason',
          headers: WriteHeaders,
          params: PotParams,
          body: ReverseEntryBody,
          response: {
            201: Written.extend({
              type: z.string(),
              reversedEventId: z.string(),
              amount: z.string().optional(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.reverseEntry(request.params.potId, request.body, commandEnvelope(request)),
          (event) => {
            const data = event.data as ContributionReversed | AllocationReversed | OutcomeRetracted;
            return {
              type: event.type,
              reversedEventId: data.reversedEventId,
              ...('amount' in data ? { amount: data.amount } : {}),
            };
          },
        ),
    );
  };
