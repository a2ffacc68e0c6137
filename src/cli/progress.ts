/**
 * Progress on a terminal for long work (replays, rebuilds): a cli-progress bar when stderr is a
 * TTY, a line every few seconds otherwise (logs, CI).
 */
import cliProgress from 'cli-progress';
import type { RunnerProgress } from '../projectionRunner.ts';

/** Replays shorter than this finish before a bar would be worth drawing. */
export const MIN_EVENTS_FOR_PROGRESS = 20_000;
const PLAIN_PROGRESS_INTERVAL_MS = 2_000;

export function replayProgressPrinter(stream: NodeJS.WriteStream): (progress: RunnerProgress) => void {
  let bar: cliProgress.SingleBar | undefined;
  let lastPlainAt = 0;
  let done = false;
  return (progress) => {
    const total = Number(progress.headAtStart);
    if (done || total < MIN_EVENTS_FOR_PROGRESS) return;
    const folded = Math.min(Number(progress.position), total);
    const rate = Math.round(progress.eventsFolded / Math.max(progress.elapsedMs / 1000, 0.001));
    if (stream.isTTY) {
      bar ??= new cliProgress.SingleBar(
        { stream, format: 'replaying the log [{bar}] {percentage}% {value}/{total} events, {rate} events/s', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      if (!bar.isActive) bar.start(total, 0, { rate });
      bar.update(folded, { rate });
    } else if (Date.now() - lastPlainAt >= PLAIN_PROGRESS_INTERVAL_MS || folded >= total) {
      lastPlainAt = Date.now();
      stream.write(`replaying the log: ${folded}/${total} events, ${rate} events/s\n`);
    }
    if (folded >= total) {
      done = true;
      bar?.stop();
    }
  };
}
