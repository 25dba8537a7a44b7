import { inBatches, PURGE_BATCH } from '../../src/platform/privacy';

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
