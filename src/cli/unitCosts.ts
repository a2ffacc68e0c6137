/**
 * `potledger unit-costs import [--file data/unit-costs.json]`: adds the file's entries to the
 * catalogue through the same deciders as POST /v1/unit-costs, writing to the event store the
 * server uses (LEDGER_STORE). Idempotent: an entry whose code is already there with the same
 * figures is left alone, so a second import adds nothing. An entry whose figures differ from the
 * version in force is reported and not changed: superseding a figure is a decision for an admin
 * (POST /v1/unit-costs/:code/versions), not a side effect of an import.
 */
import { Command } from 'commander';
import { ulid } from 'ulid';
import { DomainError } from '../../commands/domainError.ts';
import {
  currentUnitCost,
  evolveUnitCost,
  initialUnitCostState,
} from '../../commands/unitCostState.ts';
import { unitCostStreamId, type UnitCostEvent } from '../../events/unitCost.ts';
import { createCommandHandler } from '../writePath/commandHandler.ts';
import { readConfig } from '../app/config.ts';
import { createLedgerCommands } from '../writePath/ledgerCommands.ts';
import type { EventStore } from '../store/eventStore.ts';
import { openEventStore } from '../store/openStore.ts';
import {
  DEFAULT_UNIT_COSTS_FILE,
  readUnitCostFile,
  sameFigures,
} from '../unitCosts/unitCostFile.ts';

export interface ImportResult {
  readonly added: string[];
  readonly unchanged: string[];
  /** Codes whose version in force says something else than the file. */
  readonly differing: { code: string; version: number }[];
}

export async function importUnitCosts(
  store: EventStore,
  file: string,
  actorSub: string,
): Promise<ImportResult> {
  const catalogue = readUnitCostFile(file);
  const commands = createLedgerCommands(createCommandHandler({ store }));
  const result: ImportResult = { added: [], unchanged: [], differing: [] };
  const correlationId = ulid();
  for (const entry of catalogue.entries) {
    const inForce = async () => {
      let state = initialUnitCostState();
      for (const event of await store.readStream(unitCostStreamId(entry.code)))
        state = evolveUnitCost(state, event as unknown as UnitCostEvent);
      return currentUnitCost(state);
    };
    let current = await inForce();
    if (current === undefined) {
      try {
        await commands.addUnitCost(entry, {
          actor: { sub: actorSub, role: 'admin' },
          commandId: ulid(),
          clientSuppliedKey: false,
          correlationId,
        });
        result.added.push(entry.code);
        continue;
      } catch (error) {
        // Someone added it between our look and our write: compare with what they added.
        if (!(error instanceof DomainError && error.code === 'ALREADY_EXISTS')) throw error;
        current = await inForce();
      }
    }
    if (current !== undefined && sameFigures(entry, current)) result.unchanged.push(entry.code);
    else if (current !== undefined)
      result.differing.push({ code: entry.code, version: current.version });
  }
  return result;
}

export function registerUnitCostsCommand(program: Command): Command {
  const unitCosts = program
    .command('unit-costs')
    .description('the unit-cost catalogue outcomes are valued with');
  unitCosts
    .command('import')
    .description(
      'add the entries of a catalogue file that the ledger does not have yet (re-running adds nothing)',
    )
    .option('--file <path>', 'catalogue file', DEFAULT_UNIT_COSTS_FILE)
    .option('--sub <name>', 'who is importing (shown in the audit trail)', 'unit-cost-import')
    .action(async (options: { file: string; sub: string }) => {
      const store = await openEventStore(readConfig().storeUrl);
      try {
        const result = await importUnitCosts(store, options.file, options.sub);
        const out = process.stdout;
        for (const code of result.added) out.write(`added ${code} version 1\n`);
        for (const { code, version } of result.differing) {
          out.write(
            `not changed ${code}: version ${version} in force differs from the file; supersede it with POST /v1/unit-costs/${code}/versions\n`,
          );
        }
        out.write(
          `${result.added.length} added, ${result.unchanged.length} already there, ${result.differing.length} differing\n`,
        );
      } finally {
        await store.close();
      }
    });
  return unitCosts;
}
