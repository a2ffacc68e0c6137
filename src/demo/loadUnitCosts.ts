/**
 * The demo's first step: the starter unit-cost catalogue (data/unit-costs.json) loaded through
 * POST /v1/unit-costs, as an admin would. Entries already in the catalogue (an earlier run, or
 * `potledger unit-costs import`) are left as they are.
 */
import { readUnitCostFile } from '../unitCosts/unitCostFile.ts';
import { LedgerHttpError, type LedgerClient } from './ledgerClient.ts';

export interface CatalogueLoad {
  readonly added: readonly string[];
  readonly alreadyThere: readonly string[];
  readonly lastPosition: bigint;
}

export async function loadUnitCostCatalogue(
  client: LedgerClient,
  adminToken: string,
  file?: string,
): Promise<CatalogueLoad> {
  const catalogue = readUnitCostFile(file);
  const added: string[] = [];
  const alreadyThere: string[] = [];
  let lastPosition = 0n;
  for (const entry of catalogue.entries) {
    try {
      // Keyed by code: a re-run replays its own earlier answer instead of failing.
      const { answer, replayed } = await client.post(
        '/v1/unit-costs',
        adminToken,
        entry,
        `demo-unit-cost-${entry.code}`,
      );
      if (BigInt(answer.position) > lastPosition) lastPosition = BigInt(answer.position);
      (replayed ? alreadyThere : added).push(entry.code);
    } catch (error) {
      if (!(error instanceof LedgerHttpError && error.code === 'ALREADY_EXISTS')) throw error;
      alreadyThere.push(entry.code);
    }
  }
  return { added, alreadyThere, lastPosition };
}
