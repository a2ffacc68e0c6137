/**
 * Progress on a terminal for long work (replays, rebuilds, verification): a cli-progress bar
 * when stderr is a TTY, a line every few seconds otherwise (logs, CI).
 */
import cliProgress from 'cli-progress';
import type { RunnerProgress } from '../books/projectionRunner.ts';

/** Replays shorter than this finish before a bar would be worth drawing. */
export const MIN_EVENTS_FOR_PROGRESS = 20_000;
const PLAIN_PROGRESS_INTERVAL_MS = 2_000;

export function replayProgressPrinter(
  stream: NodeJS.WriteStream,
): (progress: RunnerProgress) => void {
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
        {
          stream,
          format: 'replaying the log [{bar}] {percentage}% {value}/{total} events, {rate} events/s',
          hideCursor: true,
        },
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

export interface PositionProgress {
  update(position: bigint, events: number, elapsedMs: number): void;
  stop(): void;
}

export function eventsPerSecond(events: number, elapsedMs: number): number {
  return Math.round(events / Math.max(elapsedMs / 1000, 0.001));
}

/**
 * Progress through the log by position for a CLI command (`rebuild`, `verify`): a bar on a
 * terminal, a line labelled `label` every few seconds otherwise.
 */
export function positionProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  headAtStart: bigint,
  label: string,
): PositionProgress {
  let total = Number(headAtStart);
  if (stream.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: `${label} [{bar}] {percentage}% position {value}/{total}, {rate} events/s`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0, { rate: 0 });
    return {
      update(position, events, elapsedMs) {
        // Appends while the command runs move the end of the log; so does the bar.
        if (Number(position) > total) {
          total = Number(position);
          bar.setTotal(total);
        }
        bar.update(Number(position), { rate: eventsPerSecond(events, elapsedMs) });
      },
      stop: () => bar.stop(),
    };
  }
  let lastLineAt = 0;
  return {
    update(position, events, elapsedMs) {
      if (Date.now() - lastLineAt < PLAIN_PROGRESS_INTERVAL_MS) return;
      lastLineAt = Date.now();
      stream.write(
        `${label}: position ${position}/${Math.max(total, Number(position))}, ${eventsPerSecond(events, elapsedMs)} events/s\n`,
      );
    },
    stop: () => undefined,
  };
}

export interface PageProgress {
  update(pagesDone: number, pagesTotal: number): void;
  stop(): void;
}

/** Progress through a copy measured in database pages (`backup`): a bar on a terminal, a line every few seconds otherwise. */
export function pageProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  label: string,
): PageProgress {
  if (stream.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: `${label} [{bar}] {percentage}% {value}/{total} pages`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(pagesDone, pagesTotal) {
        if (!started) bar.start(Math.max(pagesTotal, 1), 0);
        started = true;
        // A restarted copy starts again from page 0, and the store may have grown.
        bar.setTotal(Math.max(pagesTotal, 1));
        bar.update(pagesDone);
      },
      stop: () => bar.stop(),
    };
  }
  let lastLineAt = 0;
  return {
    update(pagesDone, pagesTotal) {
      if (Date.now() - lastLineAt < PLAIN_PROGRESS_INTERVAL_MS) return;
      lastLineAt = Date.now();
      stream.write(`${label}: ${pagesDone}/${pagesTotal} pages\n`);
    },
    stop: () => undefined,
  };
}
