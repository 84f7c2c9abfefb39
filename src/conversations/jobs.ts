import type { Services } from '../core/context.ts';
import { endConversation } from './store.ts';
import { runTimer, TIMER_JOB } from './timers.ts';

/** The conversation timers' handler (callbacks ride the knowledge callback job, registered there). */
export function registerConversationJobs(services: Services): void {
  services.jobs.handle(
    TIMER_JOB,
    (job) => runTimer(services, job, (id, reason) => endConversation(services, id, reason)),
    {
      concurrency: 4,
    },
  );
}
