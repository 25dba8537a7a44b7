import { Retention } from '../../src/modules/privacy/retention';
import type { RetentionRepository } from '../../src/modules/privacy/retention.repository';
import type { Logger } from '../../src/platform/logger';
import { inBatches, PURGE_BATCH } from '../../src/platform/privacy';
import { eventually } from '../helpers/wait';

describe('inBatches', () => {
  it('purges batch after batch until one is not full, and adds up what they changed', async () => {
    let left = 2 * PURGE_BATCH + 17;
    const limits: number[] = [];
    const total = await inBatches(async (limit) => {
      limits.push(limit);
      const changed = Math.min(limit, left);
      left -= changed;
      return changed;
    });
    expect(total).toBe(2 * PURGE_BATCH + 17);
    expect(limits).toEqual([PURGE_BATCH, PURGE_BATCH, PURGE_BATCH]);
  });

  it('stops after one statement when there is nothing to do', async () => {
    let calls = 0;
    expect(await inBatches(async () => (calls++, 0))).toBe(0);
    expect(calls).toBe(1);
  });
});

describe('Retention', () => {
  const settings = { everySeconds: 1, clientIpDays: 30, sosLocationDays: 90, routeDays: 90, chatDays: 365 };
  const quietLogger = (errors: unknown[]) => ({ info: () => undefined, error: (...args: unknown[]) => errors.push(args) }) as unknown as Logger;

  it('runs the purges only in a period this instance claimed, and records what they removed', async () => {
    const finished: Record<string, number>[] = [];
    const claims = [false, true];
    const repository = { claim: async () => claims.shift() ?? false, finish: async (_period: number, removed: Record<string, number>) => void finished.push(removed) };
    let purged = 0;
    const retention = new Retention(repository as unknown as RetentionRepository, [async () => ({ chatMessages: ++purged })], settings, 'test', quietLogger([]));
    retention.start();
    try {
      // The first period was another instance's; the next one is this one's.
      await eventually(async () => finished.length, (n) => n === 1, 5000);
    } finally {
      retention.stop();
    }
    expect(purged).toBe(1);
    expect(finished).toEqual([{ chatMessages: 1 }]);
  });

  it('logs a failed run and leaves it unfinished; the next period catches up', async () => {
    const errors: unknown[] = [];
    const claimed: number[] = [];
    const finishedPeriods: number[] = [];
    const repository = {
      claim: async (period: number) => (claimed.push(period), true),
      finish: async (period: number) => void finishedPeriods.push(period),
    };
    let calls = 0;
    const failingOnce = async () => {
      if (++calls === 1) throw new Error('statement timeout');
      return { routePoints: 3 };
    };
    const retention = new Retention(repository as unknown as RetentionRepository, [failingOnce], settings, 'test', quietLogger(errors));
    retention.start();
    try {
      await eventually(async () => finishedPeriods.length, (n) => n >= 1, 5000);
    } finally {
      retention.stop();
    }
    expect(errors).toHaveLength(1);
    expect(calls).toBeGreaterThanOrEqual(2);
    // The failed run's period stays unfinished; a later period ran and was recorded.
    expect(finishedPeriods).not.toContain(claimed[0]);
    expect(finishedPeriods[0]).toBeGreaterThan(claimed[0]);
  });
});
