/**
 * Which actors ended before the run did: killed, failed, or stopped while the run went on (a tour
 * step, a key), as opposed to the lab stopping everyone at the end. The report page draws those
 * apart. The run's end is the first sign of it: draining, stopping, or the `ended` mark.
 */
import type { LabEvent } from './store.js';

export class EarlyExits {
  private endedAt: number | undefined;
  private readonly early = new Set<string>();

  /** An event as the record has it, with its line's time. */
  note(event: LabEvent, at: number): void {
    if (this.endedAt !== undefined) return;
    if (
      event.type === 'ended' ||
      (event.type === 'phase' && /^(draining|stopping|stopped)$/.test(event.phase))
    ) {
      this.endedAt = at;
    } else if (event.type === 'exit') {
      this.early.add(event.id);
    }
  }

  /** The actors that exited before the run's end (all that exited, for a record cut short). */
  ids(): string[] {
    return [...this.early];
  }
}
