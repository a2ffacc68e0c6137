/**
 * Contributions as load: a finance officer's token per partner agency, and request makers that
 * send each pot's contributions from a seeded pick of its partners, numbered across every pot
 * the maker serves (so references never repeat within a run).
 */
import { signToken } from '../src/auth/tokens.ts';
import type { LoadRequest } from './httpLoad.ts';
import { pick } from './random.ts';

export interface LoadPot {
  readonly potId: string;
  readonly partnerAgencyIds: readonly string[];
}

/** Signs one finance officer's token for each agency, with the server's secret. */
export function financeOfficerTokens(
  jwtSecret: string,
  agencyIds: Iterable<string>,
): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const agencyId of agencyIds)
    tokens.set(
      agencyId,
      signToken(jwtSecret, { sub: `bench-${agencyId}`, role: 'finance-officer', agency: agencyId }),
    );
  return tokens;
}

/** `contributionsTo(pot)` makes that pot's next contribution; the numbering is shared. */
export function contributionMaker(
  tokens: ReadonlyMap<string, string>,
  random: () => number,
  referencePrefix: string,
): (pot: LoadPot) => () => LoadRequest {
  let n = 0;
  return (pot) => () => {
    const agencyId = pick(random, pot.partnerAgencyIds);
    n += 1;
    return {
      path: `/v1/pots/${pot.potId}/contributions`,
      token: tokens.get(agencyId)!,
      body: JSON.stringify({
        agencyId,
        amount: `${100 + (n % 900)}.00`,
        effectiveDate: '2026-03-31',
        reference: `${referencePrefix}-${n}`,
      }),
    };
  };
}
