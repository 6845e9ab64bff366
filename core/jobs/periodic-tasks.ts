import type { Logger } from '../logger.ts';
import type { JobDefinition, JobDefinitions, JobName } from './job-definition.ts';

/**
 * Timers for the periodic job definitions of a process without Redis (the only process): each runs at once and
 * then every `everyMs`, never two runs of one task at a time; stop() waits for the run in progress.
 */
export function startPeriodicTasks(definitions: JobDefinitions, logger: Logger, run: (definition: JobDefinition) => Promise<void>) {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<void>>();
  let stopped = false;
  for (const name of Object.keys(definitions) as JobName[]) {
    const definition = definitions[name] as unknown as JobDefinition;
    if (!definition.everyMs) continue;
    let current: Promise<void> | undefined;
    const tick = () => {
      if (current || stopped) return;
      current = run(definition)
        .catch((error: unknown) => logger.warn({ job: name, err: { name: (error as Error).name, message: (error as Error).message } }, 'periodic task failed'))
        .finally(() => {
          running.delete(current!);
          current = undefined;
        });
      running.add(current);
    };
    tick();
    const timer = setInterval(tick, definition.everyMs);
    timer.unref();
    timers.push(timer);
  }
  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
