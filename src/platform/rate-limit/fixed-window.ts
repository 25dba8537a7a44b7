import type { Redis } from '../redis';
import type { Logger } from '../logger';

export interface WindowState {
  count: number;
  retryAfterSeconds: number;
}

// INCR and the first PEXPIRE in one step, so a crash between them cannot leave a counter that
// never expires (and locks someone out for good).
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`;

/**
 * A counter per key over a fixed window, kept in Redis so every instance shares it. When Redis is
 * unreachable the limiter lets calls through and logs it: for an emergency service, refusing
 * everyone because a cache is down is worse than briefly not limiting.
 */
export class FixedWindowLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    readonly name: string,
    readonly limit: number,
    readonly windowSeconds: number,
  ) {}

  private key(subject: string): string {
    return `rl:${this.name}:${subject}`;
  }

  /** The current state without counting a call. */
  async peek(subject: string): Promise<WindowState> {
    try {
      const [count, ttl] = await Promise.all([this.redis.get(this.key(subject)), this.redis.pttl(this.key(subject))]);
      return { count: Number(count ?? 0), retryAfterSeconds: ttl > 0 ? Math.ceil(ttl / 1000) : 0 };
    } catch (err) {
      this.failOpen(err);
      return { count: 0, retryAfterSeconds: 0 };
    }
  }

  /** Counts one call and returns the state after it. */
  async hit(subject: string): Promise<WindowState> {
    try {
      const [count, ttl] = (await this.redis.eval(HIT, 1, this.key(subject), this.windowSeconds * 1000)) as [number, number];
      return { count, retryAfterSeconds: ttl > 0 ? Math.ceil(ttl / 1000) : this.windowSeconds };
    } catch (err) {
      this.failOpen(err);
      return { count: 0, retryAfterSeconds: 0 };
    }
  }

  /** Takes one counted call back (it turned out not to be what is limited, e.g. a login that succeeded). */
  async undo(subject: string): Promise<void> {
    await this.redis.decr(this.key(subject)).catch((err: unknown) => this.failOpen(err));
  }

  async reset(subject: string): Promise<void> {
    await this.redis.del(this.key(subject)).catch((err: unknown) => this.failOpen(err));
  }

  isExceeded(state: WindowState): boolean {
    return state.count > this.limit;
  }

  /** The first call of the window that is refused: the moment the subject is locked out. */
  isFirstRefusal(state: WindowState): boolean {
    return state.count === this.limit + 1;
  }

  isExhausted(state: WindowState): boolean {
    return state.count >= this.limit;
  }

  private failOpen(err: unknown): void {
    this.logger.warn({ limiter: this.name, err: { message: (err as Error).message } }, 'rate limiter unavailable; allowing the call');
  }
}
