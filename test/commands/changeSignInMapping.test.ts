/**
 * ChangeSignInMapping: which token claim value makes a person which role, for which agency.
 * Only an admin changes it; each change is a new version naming the version in force.
 */
import { describe, expect, it } from 'vitest';
import { decideChangeSignInMapping } from '../../commands/changeSignInMapping.ts';
import { matchSignInRule, type SignInRule } from '../../events/signInMapping.ts';
import { AGENCY, financeOfficerOf, givenSignInMapping } from './spec.ts';

const RULES: SignInRule[] = [
  { claim: 'groups', value: 'grp-police-finance', role: 'finance-officer', agency: AGENCY.police },
  { claim: 'roles', value: 'PotLedger.Auditor', role: 'auditor' },
];
const REASON = 'Police finance team joins the pool';
const v1 = {
  type: 'SignInMappingChanged' as const,
  data: { version: 1, rules: RULES, reason: REASON },
};

describe('ChangeSignInMapping', () => {
  it('an admin records version 1, naming nothing it replaces', () => {
    givenSignInMapping([])
      .when((state, context) =>
        decideChangeSignInMapping(state, { rules: RULES, reason: REASON }, context),
      )
      .then([v1]);
  });

  it('a later version names the one in force', () => {
    givenSignInMapping([v1])
      .when((state, context) =>
        decideChangeSignInMapping(
          state,
          { rules: [], reason: 'everyone out', replaces: 1 },
          context,
        ),
      )
      .then([
        {
          type: 'SignInMappingChanged',
          data: { version: 2, replaces: 1, rules: [], reason: 'everyone out' },
        },
      ]);
  });

  it('refuses a change that does not name the version in force, or names one before any exists', () => {
    givenSignInMapping([v1])
      .when((state, context) =>
        decideChangeSignInMapping(state, { rules: [], reason: 'stale' }, context),
      )
      .thenRefuses('SIGN_IN_MAPPING_VERSION_CONFLICT', { version: 1 });
    givenSignInMapping([])
      .when((state, context) =>
        decideChangeSignInMapping(state, { rules: [], reason: 'x', replaces: 1 }, context),
      )
      .thenRefuses('SIGN_IN_MAPPING_VERSION_CONFLICT', { version: null });
  });

  it('refuses anyone but an admin', () => {
    for (const actor of [
      financeOfficerOf(AGENCY.police),
      { sub: 'ivy', role: 'auditor' },
      { sub: 'rita', role: 'reporter' },
    ])
      givenSignInMapping([])
        .when(
          (state, context) =>
            decideChangeSignInMapping(state, { rules: RULES, reason: REASON }, context),
          { actor },
        )
        .thenRefuses('FORBIDDEN');
  });
});

describe('matching a token against the rules', () => {
  it('matches a list claim by membership and a text claim by equality; the first rule wins', () => {
    expect(matchSignInRule(RULES, { groups: ['x', 'grp-police-finance'] })).toBe(RULES[0]);
    expect(matchSignInRule(RULES, { roles: 'PotLedger.Auditor' })).toBe(RULES[1]);
    expect(
      matchSignInRule(RULES, { roles: ['PotLedger.Auditor'], groups: ['grp-police-finance'] }),
    ).toBe(RULES[0]);
  });

  it('matches nothing for other values, other claims, or values of another type', () => {
    expect(matchSignInRule(RULES, { groups: ['grp-police-finance-2'] })).toBeUndefined();
    expect(matchSignInRule(RULES, { group: ['grp-police-finance'] })).toBeUndefined();
    expect(matchSignInRule(RULES, { groups: { 0: 'grp-police-finance' } })).toBeUndefined();
    expect(matchSignInRule([], { groups: ['grp-police-finance'] })).toBeUndefined();
  });
});
