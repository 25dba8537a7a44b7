import type { Context } from '../../src/platform/auth';
import { AppError } from '../../src/platform/errors';
import { AnalyticsService } from '../../src/modules/analytics';

/** A repository whose answers wait until the test lets them go, counting the questions running. */
function heldRepository() {
  const waiting: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const answer = async () => {
    running++;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => waiting.push(resolve));
    running--;
    return { total: null, groups: [] };
  };
  return {
    repository: { responseStats: answer, topResponders: answer },
    release: () => waiting.splice(0).forEach((go) => go()),
    waitingCount: () => waiting.length,
    most: () => most,
  };
}

const staff = { viewer: async () => ({ id: 'staff', role: 'ADMIN', suspended: false, cityIds: null }) } as unknown as Context;
const question = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z'), groupBy: 'DAY' as const };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('AnalyticsService limits', () => {
  it('answers a few questions at once, queues some, and refuses the rest with RATE_LIMITED', async () => {
    const held = heldRepository();
    const service = new AnalyticsService(held.repository as never, 8, { concurrency: 2, queue: 1 });
    const asked = [
      service.responseStats(staff, question),
      service.topResponders(staff, null, question.from, question.to, 10),
      service.responseStats(staff, question),
    ];
    const refused = service.responseStats(staff, question).catch((err: unknown) => err);
    await settle();
    expect(held.waitingCount()).toBe(2);
    const error = await refused;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 5 } });

    // The one that waited runs once a place is free; never more than two at once.
    held.release();
    await settle();
    expect(held.waitingCount()).toBe(1);
    held.release();
    await expect(Promise.all(asked)).resolves.toHaveLength(3);
    expect(held.most()).toBe(2);
  });
});
