/**
 * "Row visible" for many artifacts at once: one query every few milliseconds asks the system's database
 * which of the pending ids have their row, so waiting costs the database one small statement per tick
 * whatever the concurrency, and every system is observed with the same granularity.
 */
import type pg from 'pg';

interface Waiter {
  resolve: (at: number) => void;
  reject: (err: Error) => void;
  deadline: number;
}

export class VisibilityPoller {
  private readonly pending = new Map<string, Waiter>();
  private running = false;

  constructor(
    private readonly pool: pg.Pool,
    /** Given `$1` (uuid[]), returns rows `{id}` of the visible ones. */
    private readonly sql: string,
    private readonly intervalMs = 10,
  ) {}

  /** Resolves with performance.now() of the poll that first saw the row. */
  wait(id: string, timeoutMs = 120_000): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: performance.now() + timeoutMs });
      if (!this.running) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size > 0) {
        try {
          const { rows } = await this.pool.query<{ id: string }>(this.sql, [[...this.pending.keys()]]);
          const at = performance.now();
          for (const { id } of rows) {
            this.pending.get(id)?.resolve(at);
            this.pending.delete(id);
          }
        } catch {
          // The database is busy or restarting: the deadline decides.
        }
        const now = performance.now();
        for (const [id, w] of this.pending) {
          if (now > w.deadline) {
            w.reject(new Error(`artifact ${id}: row not visible in time`));
            this.pending.delete(id);
          }
        }
        await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    } finally {
      this.running = false;
    }
  }
}
