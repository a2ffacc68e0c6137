/**
 * Outcome payments (payment by results): rate cards, claims, their validation by someone other
 * than the claimant, payment and rejection; and the pot's claims, read from its stream.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ClaimOutcomeBody,
  PayClaimBody,
  RecordRateCardBody,
  RejectClaimBody,
  ValidateClaimBody,
} from '../../../commands/outcomePayments.ts';
import type { ClaimRecord } from '../../../commands/outcomePaymentState.ts';
import {
  CLAIM_STATUSES,
  type ClaimPaid,
  type OutcomeClaimed,
  type RateCardRecorded,
} from '../../../events/outcomePayments.ts';
import { OverspendFlag } from '../../../events/poolYear.ts';
import { Ulid } from '../../../events/primitives.ts';
import { actorOf } from '../plugins/auth.ts';
import { httpProblem } from '../plugins/errors.ts';
import { potView } from '../plugins/readPolicy.ts';
import { errorResponses, Written } from '../schemas.ts';
import type { RouteDeps } from './routeDeps.ts';
import { answerWrite, commandEnvelope, fromEventData, WriteHeaders } from './writeRoute.ts';

const PotParams = z.object({ potId: Ulid });
const SchemeParams = PotParams.extend({ interventionId: Ulid });
const ClaimParams = PotParams.extend({ claimId: Ulid });
/** Claims and their decisions: a partner's finance officer or an admin. */
const CLAIM_ROLES = ['finance-officer', 'admin'] as const;

/** What a figures-only reader does not see of a claim (people, and what people wrote). */
export const REDACTED_CLAIM_FIELDS = [
  'participantRef',
  'claimedBy',
  'validatedBy',
  'rejectedBy',
  'rejectionReason',
  'paidBy',
] as const;

const ActorAnswer = z.object({
  sub: z.string(),
  role: z.string(),
  agencyId: z.string().optional(),
});

const ClaimAnswer = z.object({
  claimId: z.string(),
  interventionId: z.string(),
  rateCardVersion: z.number(),
  contractRef: z.string(),
  code: z.string(),
  participantRef: z.string().nullable(),
  outcomeDate: z.string(),
  evidenceRef: z.string(),
  price: z.string(),
  outcomeId: z.string().optional(),
  status: z.enum(CLAIM_STATUSES),
  claimedBy: ActorAnswer.nullable(),
  validatedBy: ActorAnswer.nullable().optional(),
  rejectedBy: ActorAnswer.nullable().optional(),
  rejectionReason: z.string().nullable().optional(),
  paidBy: ActorAnswer.nullable().optional(),
  spendId: z.string().optional(),
  paidOn: z.string().optional(),
  payerShares: z.array(z.object({ agencyId: z.string(), amount: z.string() })).optional(),
  redacted: z.array(z.string()).optional(),
});
type ClaimAnswer = z.infer<typeof ClaimAnswer>;

function claimAnswer(claim: ClaimRecord, full: boolean): ClaimAnswer {
  const d = claim.data;
  const person = <T>(value: T): T | null => (full ? value : null);
  return {
    claimId: claim.claimId,
    interventionId: claim.interventionId,
    rateCardVersion: d.rateCardVersion,
    contractRef: d.contractRef,
    code: d.code,
    participantRef: person(d.participantRef),
    outcomeDate: d.outcomeDate,
    evidenceRef: d.evidenceRef,
    price: d.price,
    ...(d.outcomeId === undefined ? {} : { outcomeId: d.outcomeId }),
    status: claim.status,
    claimedBy: person(d.claimedBy),
    ...(claim.validatedBy === undefined ? {} : { validatedBy: person(claim.validatedBy) }),
    ...(claim.rejected === undefined
      ? {}
      : { rejectedBy: person(claim.rejected.by), rejectionReason: person(claim.rejected.reason) }),
    ...(claim.paid === undefined
      ? {}
      : {
          paidBy: person(claim.paid.by),
          spendId: claim.paid.spendId,
          paidOn: claim.paid.effectiveDate,
          payerShares: [...claim.paid.payerShares],
        }),
    ...(full ? {} : { redacted: [...REDACTED_CLAIM_FIELDS] }),
  };
}

export const outcomePaymentRoutes =
  (deps: RouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { commands } = deps;

    app.post(
      '/v1/pots/:potId/interventions/:interventionId/rate-card',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['outcome payments'],
          summary:
            "Record an intervention's rate card for payment by results, or a replacement of it (admin only)",
          description:
            'Each outcome: code, definition, evidence required, price, maximum claims per participant, claim window in days. ' +
            'The cap per contract bounds Σ price of standing claims (claimed, validated, paid). Co-payers share each paid claim in basis points summing to 10000 (the lead agency pays alone without them) and must be partners (409 NOT_A_PARTNER). ' +
            'A replacement names the version in force in `replaces` (409 ALREADY_EXISTS without it, 409 AGREEMENT_VERSION_CONFLICT with a stale one).',
          headers: WriteHeaders,
          params: SchemeParams,
          body: RecordRateCardBody,
          response: { 201: Written.extend({ version: z.number() }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.recordRateCard(
            request.params.potId,
            request.params.interventionId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ version }: RateCardRecorded) => ({ version })),
        ),
    );

    app.post(
      '/v1/pots/:potId/interventions/:interventionId/claims',
      {
        config: { access: CLAIM_ROLES },
        schema: {
          tags: ['outcome payments'],
          summary: 'Claim payment for an outcome on the intervention’s rate card',
          description:
            'The code must be on the rate card in force; the outcome date within its claim window before today and not in the future; the participant (a pseudonymous reference, never a name) within its maximum standing claims for the code (400 VALIDATION_FAILED). ' +
            "A claim that would take the contract's standing claims past its cap is refused with 409 CLAIM_CAP_EXCEEDED: all claims of a pot are in its one stream, so concurrent claims can never pass the cap together.",
          headers: WriteHeaders,
          params: SchemeParams,
          body: ClaimOutcomeBody,
          response: {
            201: Written.extend({ claimId: z.string(), price: z.string() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.claimOutcome(
            request.params.potId,
            request.params.interventionId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ claimId, price }: OutcomeClaimed) => ({ claimId, price })),
        ),
    );

    app.post(
      '/v1/pots/:potId/claims/:claimId/validate',
      {
        config: { access: CLAIM_ROLES },
        schema: {
          tags: ['outcome payments'],
          summary: 'Validate a claim’s evidence (someone other than the claimant)',
          description:
            'The claimant is refused with 409 SEGREGATION_OF_DUTIES; a claim no longer `claimed` with 409 ALREADY_DECIDED.',
          headers: WriteHeaders,
          params: ClaimParams,
          body: ValidateClaimBody,
          response: { 201: Written.extend({ claimId: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.validateClaim(
            request.params.potId,
            request.params.claimId,
            request.body as Record<string, never>,
            commandEnvelope(request),
          ),
          fromEventData(({ claimId }: { claimId: string }) => ({ claimId })),
        ),
    );

    app.post(
      '/v1/pots/:potId/claims/:claimId/reject',
      {
        config: { access: CLAIM_ROLES },
        schema: {
          tags: ['outcome payments'],
          summary: 'Reject a claimed or validated claim, with a reason',
          description:
            'A rejected claim no longer counts against the cap or the participant limit. The claimant may withdraw their own. A paid or rejected claim: 409 ALREADY_DECIDED.',
          headers: WriteHeaders,
          params: ClaimParams,
          body: RejectClaimBody,
          response: { 201: Written.extend({ claimId: z.string() }), ...errorResponses },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.rejectClaim(
            request.params.potId,
            request.params.claimId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData(({ claimId }: { claimId: string }) => ({ claimId })),
        ),
    );

    app.post(
      '/v1/pots/:potId/claims/:claimId/pay',
      {
        config: { access: CLAIM_ROLES },
        schema: {
          tags: ['outcome payments'],
          summary: 'Pay a validated claim: spend of the intervention, shared by the co-payers',
          description:
            'Someone other than the claimant (409 SEGREGATION_OF_DUTIES); only a validated claim (409 ALREADY_DECIDED); on a pot whose agreement tracks spend (409 SPEND_TRACKING_OFF). ' +
            "The payment counts in the scheme's spent figure for the year of its date, under the agreement's overspend policy (flagged under `warn`, 409 BUDGET_EXCEEDED under `block`); its price is split between the rate card's co-payers by largest remainder, ties by agency id.",
          headers: WriteHeaders,
          params: ClaimParams,
          body: PayClaimBody,
          response: {
            201: Written.extend({
              claimId: z.string(),
              spendId: z.string(),
              amount: z.string(),
              payerShares: z.array(z.object({ agencyId: z.string(), amount: z.string() })),
              overspend: OverspendFlag.optional(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          commands.payClaim(
            request.params.potId,
            request.params.claimId,
            request.body,
            commandEnvelope(request),
          ),
          fromEventData((d: ClaimPaid) => ({
            claimId: d.claimId,
            spendId: d.spendId,
            amount: d.amount,
            payerShares: d.payerShares,
            ...(d.overspend === undefined ? {} : { overspend: d.overspend }),
          })),
        ),
    );

    app.get(
      '/v1/pots/:potId/claims',
      {
        config: { access: 'any' },
        schema: {
          tags: ['outcome payments'],
          summary: "The pot's outcome claims, oldest first, optionally of one status",
          description:
            'Read from the pot’s stream as the next command would be decided on. Admins, auditors and finance officers of a partner read them in full; ' +
            'reporters and finance officers of other agencies read the figures only: the participant, the people who decided and the rejection reason are null and listed in `redacted`.',
          params: PotParams,
          querystring: z.strictObject({ status: z.enum(CLAIM_STATUSES).optional() }),
          response: { 200: z.object({ claims: z.array(ClaimAnswer) }), ...errorResponses },
        },
      },
      async (request) => {
        const reader = actorOf(request);
        const payments = await commands.listClaims(request.params.potId, reader);
        if (payments === null)
          throw httpProblem('NOT_FOUND', `pot ${request.params.potId} does not exist`);
        const full = potView(reader, deps.books(), request.params.potId) === 'full';
        const { status } = request.query;
        return {
          claims: [...payments.claims.values()]
            .filter((claim) => status === undefined || claim.status === status)
            .map((claim) => claimAnswer(claim, full)),
        };
      },
    );
  };
