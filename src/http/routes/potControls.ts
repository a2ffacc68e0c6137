/**
 * The pot's controls (issue 4): the four-eyes threshold, approving and rejecting allocation
 * requests, closing a financial year, closing the pot, and the exceptions list.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ChangeApprovalThresholdBody } from '../../../commands/changeApprovalThreshold.ts';
import { CloseFinancialYearBody } from '../../../commands/closeFinancialYear.ts';
import { ClosePotBody } from '../../../commands/closePot.ts';
import {
  ApproveAllocationBody,
  RejectAllocationBody,
} from '../../../commands/decideAllocationRequest.ts';
import type { FundsAllocated } from '../../../events/pot.ts';
import type {
  AllocationRejected,
  ApprovalThresholdChanged,
  FinancialYearClosed,
  PotClosed,
} from '../../../events/potControls.ts';
import { FinancialYear, Ulid } from '../../../events/primitives.ts';
import { potExceptions } from '../../../projections/exceptions.ts';
import { potSummary } from '../../../projections/potSummary.ts';
import { actorOf } from '../plugins/auth.ts';
import { httpProblem } from '../plugins/errors.ts';
import { POT_RECORD_ROLES, requirePotRecords } from '../plugins/readPolicy.ts';
import { errorResponses, FundingShareView, Position, Written } from '../schemas.ts';
import { answerWrite, commandEnvelope, fromEventData, WriteHeaders } from './writeRoute.ts';
import { answerFromBooks, ReadQuery, type RouteDeps } from './routeDeps.ts';

const PotParams = z.object({ potId: Ulid });
const RequestParams = PotParams.extend({ allocationId: Ulid });
const DECIDING_ROLES = ['finance-officer', 'admin'] as const;

const Money = z.string().describe('Amount in GBP, 2 decimal places');
const ActorView = z.object({ sub: z.string(), role: z.string(), agencyId: z.string().optional() });

export const ExceptionView = z.object({
  position: Position,
  eventId: z.string(),
  type: z.string(),
  kind: z.enum(['reversal', 'rejected-approval', 'self-approval-attempt']),
  date: z.string(),
  financialYear: z.string(),
  recordedAt: z.string(),
  actor: ActorView,
  potId: z.string(),
  amount: Money.nullable(),
  reason: z.string().nullable(),
  summary: z.string(),
});

export const potControlRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { commands } = deps;

    app.post(
      '/v1/pots/:potId/approval-threshold',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['controls'],
          summary:
            'Set (an amount) or remove (null) the four-eyes approval threshold of a pot (admin)',
          headers: WriteHeaders,
          params: PotParams,
          body: ChangeApprovalThresholdBody,
          response: {
            201: Written.extend({ approvalThreshold: Money.nullable() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.changeApprovalThreshold(
            request.params.potId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ approvalThreshold }: ApprovalThresholdChanged) => ({
            approvalThreshold,
          })),
        ),
    );

    app.post(
      '/v1/pots/:potId/allocations/:allocationId/approve',
      {
        config: { access: DECIDING_ROLES },
        schema: {
          tags: ['controls'],
          summary:
            'Approve an allocation request: another finance officer of a partner, or an admin; never the requester',
          headers: WriteHeaders,
          params: RequestParams,
          body: ApproveAllocationBody,
          response: {
            201: Written.extend({
              allocationId: z.string(),
              status: z.literal('allocated'),
              fundingShares: z.array(FundingShareView),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.approveAllocation(
            request.params.potId,
            request.params.allocationId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ allocationId, fundingShares }: FundsAllocated) => ({
            allocationId,
            status: 'allocated' as const,
            fundingShares,
          })),
        ),
    );

    app.post(
      '/v1/pots/:potId/allocations/:allocationId/reject',
      {
        config: { access: DECIDING_ROLES },
        schema: {
          tags: ['controls'],
          summary:
            'Reject an allocation request, with a reason (the requester may withdraw their own this way)',
          headers: WriteHeaders,
          params: RequestParams,
          body: RejectAllocationBody,
          response: {
            201: Written.extend({ allocationId: z.string(), status: z.literal('rejected') }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.rejectAllocation(
            request.params.potId,
            request.params.allocationId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ allocationId }: AllocationRejected) => ({
            allocationId,
            status: 'rejected' as const,
          })),
        ),
    );

    app.post(
      '/v1/pots/:potId/financial-years/:financialYear/close',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['controls'],
          summary:
            'Close a financial year that has ended (admin): nothing dated in it is accepted afterwards',
          headers: WriteHeaders,
          params: PotParams.extend({ financialYear: FinancialYear }),
          body: CloseFinancialYearBody,
          response: {
            201: Written.extend({ financialYear: z.string(), closedThrough: z.string() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.closeFinancialYear(
            request.params.potId,
            request.params.financialYear,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ financialYear, closedThrough }: FinancialYearClosed) => ({
            financialYear,
            closedThrough,
          })),
        ),
    );

    app.post(
      '/v1/pots/:potId/close',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['controls'],
          summary:
            "Close the pot (admin): each partner's unallocated stake is returned to it; nothing is accepted afterwards",
          headers: WriteHeaders,
          params: PotParams,
          body: ClosePotBody,
          response: {
            201: Written.extend({ effectiveDate: z.string(), returns: z.array(FundingShareView) }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.closePot(request.params.potId, request.body, commandEnvelope(request)),
          fromEventData(({ effectiveDate, returns }: PotClosed) => ({ effectiveDate, returns })),
        ),
    );

    app.get(
      '/v1/pots/:potId/exceptions',
      {
        // The list names people and their conduct: the oversight roles, and the finance officers
        // of the pot's partners, who read their own pots in full (readPolicy.ts).
        config: { access: POT_RECORD_ROLES },
        schema: {
          tags: ['controls'],
          summary:
            'Every reversal, rejected approval and attempted self-approval of a pot (auditor, admin, finance officer of a partner)',
          description:
            'A finance officer of an agency that is not a partner of the pot, and a reporter: 403 FORBIDDEN.',
          params: PotParams,
          querystring: ReadQuery.extend({ financialYear: FinancialYear.optional() }),
          response: {
            200: z.object({ potId: z.string(), exceptions: z.array(ExceptionView).readonly() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerFromBooks(deps, request.query, reply, ['potSummary', 'exceptions'], (books) => {
          const { potId } = request.params;
          if (potSummary(books.potSummary, potId) === null)
            throw httpProblem('NOT_FOUND', `pot ${potId} does not exist`);
          requirePotRecords(actorOf(request), deps.books(), potId, 'the exceptions');
          const { financialYear } = request.query;
          return {
            potId,
            exceptions: potExceptions(
              books.exceptions,
              potId,
              financialYear === undefined ? {} : { financialYear },
            ),
          };
        }),
    );
  };
