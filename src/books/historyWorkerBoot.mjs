// Starts a historical-fold worker thread (src/books/historyPool.ts) from the TypeScript sources.
// A worker thread does not inherit a test runner's (or tsx's) module hooks, so the
// worker registers tsx itself before it loads its TypeScript entry point.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
