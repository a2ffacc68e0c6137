/**
 * The sign-in mapping (docs/operations.md, "Single sign-on"): which group or claim value of an
 * OpenID Connect access token makes a person an admin, a finance officer of which agency, an
 * auditor or a reporter. An admin reads and changes it; auditors read it; every change is an
 * event (SignInMappingChanged) in the log, so the audit trail shows who gave whom which role.
 * Until the first change the mapping configured in LEDGER_OIDC_SIGN_IN_RULES applies.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ChangeSignInMappingBody } from '../../../commands/changeSignInMapping.ts';
import { SignInRule, type SignInMappingChanged } from '../../../events/signInMapping.ts';
import { signInMappingInForce } from '../../../projections/signInMapping.ts';
import { errorResponses, Position, Written } from '../schemas.ts';
import { answerFromBooks, ReadQuery, type RouteDeps } from './routeDeps.ts';
import { answerWrite, commandEnvelope, fromEventData, WriteHeaders } from './writeRoute.ts';

const VersionView = z.object({
  version: z.number(),
  replaces: z.number().optional(),
  rules: z.array(SignInRule).readonly(),
  reason: z.string(),
  eventId: z.string(),
  changedAt: z.string(),
  changedBy: z.string(),
  position: Position,
});

export const SignInMappingAnswer = z.object({
  source: z
    .enum(['configured', 'recorded'])
    .describe('configured: no change recorded yet, LEDGER_OIDC_SIGN_IN_RULES applies'),
  rules: z.array(SignInRule).readonly().describe('The rules in force, first match wins'),
  version: z.number().nullable().describe('The version in force; null while configured'),
  configuredRules: z.array(SignInRule).readonly(),
  versions: z.array(VersionView).readonly(),
});

export const signInMappingRoutes =
  (deps: RouteDeps, configuredRules: readonly SignInRule[]): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/sign-in-mapping',
      {
        config: { access: ['admin', 'auditor'] },
        schema: {
          tags: ['sign-in'],
          summary:
            'The sign-in mapping: which token claim value (a group id, an app role) gives which role and agency',
          description:
            'Rules are tried in order; the first whose claim equals the value (or, for a list claim, contains it) decides. Every version recorded is listed.',
          querystring: ReadQuery,
          response: { 200: SignInMappingAnswer, ...errorResponses },
        },
      },
      async (request, reply) =>
        answerFromBooks(deps, request.query, reply, ['signInMapping'], (books) => {
          const state = books.signInMapping;
          const current = signInMappingInForce(state);
          return {
            source: current === undefined ? ('configured' as const) : ('recorded' as const),
            rules: current?.rules ?? configuredRules,
            version: current?.version ?? null,
            configuredRules,
            versions: state.versions,
          };
        }),
    );

    app.post(
      '/v1/sign-in-mapping',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['sign-in'],
          summary: 'Change the sign-in mapping (a new version, with a reason)',
          description:
            'The first change is version 1 and names nothing; a later one names the version in force it `replaces` (409 SIGN_IN_MAPPING_VERSION_CONFLICT otherwise). ' +
            'A finance-officer rule without an agency takes it from the token (LEDGER_OIDC_AGENCY_CLAIM). The new rules apply to the next request.',
          headers: WriteHeaders,
          body: ChangeSignInMappingBody,
          response: {
            201: Written.extend({ version: z.number(), replaces: z.number().optional() }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) =>
        answerWrite(
          reply,
          deps.commands.changeSignInMapping(request.body, commandEnvelope(request)),
          fromEventData((data: SignInMappingChanged) => ({
            version: data.version,
            ...(data.replaces === undefined ? {} : { replaces: data.replaces }),
          })),
        ),
    );
  };
