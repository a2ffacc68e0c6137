/**
 * The sign-in mapping: which role (and agency) a person signed in through the organisation's
 * OpenID Connect provider acts as, from a claim of their access token (a group id, an app role).
 * It decides who may move money, so it is data an admin reads and changes through the API, and
 * each change is an event in its own stream with the version it replaces.
 */
import { z } from 'zod';
import { AgencyId, text } from './primitives.ts';

/** The ledger's roles; src/auth/tokens.ts ROLES is the same list (a test holds them equal). */
export const MAPPED_ROLES = ['admin', 'finance-officer', 'auditor', 'reporter'] as const;
export const MAX_SIGN_IN_RULES = 200;
export const MAX_CLAIM_NAME_CHARS = 100;
export const MAX_CLAIM_VALUE_CHARS = 200;

/**
 * One rule: a token whose `claim` equals `value` (or, for a list claim such as `groups`,
 * contains it) acts as `role`, for `agency` when given. The first matching rule wins. A
 * finance-officer rule without an agency takes it from the token's agency claim (when the
 * server names one); a finance officer with no agency either way is refused at sign-in.
 */
export const SignInRule = z.strictObject({
  claim: z
    .string()
    .min(1)
    .max(MAX_CLAIM_NAME_CHARS)
    .regex(/^[A-Za-z0-9_.:/-]+$/, { message: 'must be a claim name like groups or roles' }),
  value: text(MAX_CLAIM_VALUE_CHARS),
  role: z.enum(MAPPED_ROLES),
  agency: AgencyId.optional(),
});
export type SignInRule = z.infer<typeof SignInRule>;

export const SignInRules = z.array(SignInRule).max(MAX_SIGN_IN_RULES);

export const SignInMappingChangedV1 = z.strictObject({
  version: z.number().int().min(1),
  /** The version this one replaces; absent for version 1. */
  replaces: z.number().int().min(1).optional(),
  rules: SignInRules,
  reason: text(500),
});
export type SignInMappingChanged = z.infer<typeof SignInMappingChangedV1>;
export type SignInMappingEvent = { type: 'SignInMappingChanged'; data: SignInMappingChanged };

export const signInMappingEventSchemas = {
  SignInMappingChanged: SignInMappingChangedV1,
} as const;

/** The rule a token's claims match first, or undefined when none does. */
export function matchSignInRule(
  rules: readonly SignInRule[],
  claims: Readonly<Record<string, unknown>>,
): SignInRule | undefined {
  return rules.find((rule) => {
    const value = claims[rule.claim];
    if (typeof value === 'string') return value === rule.value;
    return Array.isArray(value) && value.some((item) => item === rule.value);
  });
}
