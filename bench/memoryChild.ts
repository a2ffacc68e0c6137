/**
 * Child process for the memory row's breakdown: what each part of the live books costs. Opens
 * the store named by LEDGER_STORE (read-only), folds the whole log into what the server keeps
 * in memory (the books and the Merkle log, through foldLog as the server's start-up does), and
 * beside them the (caller, key) → stream index the server kept before it moved to the store's
 * command_keys table, so its cost stays visible. Then, under --expose-gc, it drops the parts
 * one at a time and reads how much heap and ArrayBuffer memory each drop frees (its retained
 * size), and encodes each
 * with the snapshot codec (its size in a books snapshot). Prints one JSON line.
 */
import { createLedgerBooks, type LedgerProjections } from '../projections/index.ts';
import { openMerkleLog } from '../src/audit/storeMerkleLog.ts';
import { foldLog } from '../src/books/foldLog.ts';
import { encodeState } from '../src/books/snapshots/stateCodec.ts';
import { openExistingEventStore } from '../src/store/openStore.ts';
import { commandScopeKey } from '../src/writePath/commandScope.ts';
import type { IdempotencyKeyClaimed } from '../events/index.ts';

/** The heap-measuring part of a part's cost is only meaningful after full collections. */
const GC_PASSES = 3;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('memoryChild: run with --expose-gc');
const storeUrl = process.env.LEDGER_STORE;
if (storeUrl === undefined) throw new Error('memoryChild: set LEDGER_STORE');

/**
 * V8's heap, and beside it the ArrayBuffers' backing stores, which live outside it: a part kept
 * in typed arrays or Buffers (the Merkle log's hashes, the compact audit trail) costs mostly
 * the latter, so a part's retained size counts both.
 */
function usedBytes(): { heap: number; heapAndArrayBuffers: number } {
  for (let pass = 0; pass < GC_PASSES; pass++) gc!();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heap: heapUsed, heapAndArrayBuffers: heapUsed + arrayBuffers };
}

/** Folds the log; only the parts map outlives this function, so dropping a part frees it. */
async function foldParts(url: string): Promise<{ events: number; parts: Map<string, unknown> }> {
  const store = await openExistingEventStore(url);
  const books = createLedgerBooks();
  const merkleLog = openMerkleLog(store);
  /** As foldLog's sink kept it: a claimed key belongs to the stream the claim creates. */
  const commandIndex = new Map<string, string>();
  const folded = await foldLog(
    store,
    {},
    {
      books,
      merkleLog,
      pages: (events) => {
        for (const event of events) {
          const streamId =
            event.type === 'IdempotencyKeyClaimed'
              ? (event.data as IdempotencyKeyClaimed).targetStreamId
              : event.streamId;
          const scope = commandScopeKey(event.metadata.actor.sub, event.metadata.commandId);
          if (!commandIndex.has(scope)) commandIndex.set(scope, streamId);
        }
      },
    },
  );
  await store.close();
  const parts = new Map<string, unknown>();
  for (const [name, state] of Object.entries(books.state as LedgerProjections))
    parts.set(`books.${name}`, state);
  parts.set('merkleLog', merkleLog.exportState());
  parts.set('commandIndex (now in the store)', commandIndex);
  return { events: folded.eventsRead, parts };
}

const { events, parts } = await foldParts(storeUrl);
const encodedBytes: Record<string, number> = {};
for (const [name, part] of parts) encodedBytes[name] = encodeState(part).byteLength;

const before = usedBytes();
const retainedBytes: Record<string, number> = {};
let last = before.heapAndArrayBuffers;
for (const name of [...parts.keys()]) {
  parts.delete(name);
  const now = usedBytes().heapAndArrayBuffers;
  retainedBytes[name] = last - now;
  last = now;
}

process.stdout.write(
  `${JSON.stringify({
    events,
    heapUsedBytes: before.heap,
    heapUsedWithoutPartsBytes: usedBytes().heap,
    retainedBytes,
    encodedBytes,
  })}\n`,
);
