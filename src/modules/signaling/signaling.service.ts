import type { Context } from '../../platform/auth';
import { AppError, badInput, notFound, rateLimited } from '../../platform/errors';
import { RESYNC, closingFeed, type Feed, type PubSub } from '../../platform/pubsub';
import type { FixedWindowLimiter } from '../../platform/rate-limit';
import { assertId } from '../../platform/validation';
import type { ChatService } from '../chat';
import type { SosService } from '../sos';
import { iceServersFor, type IceServerRow, type IceSettings } from './ice-servers';
import { signalingTopics } from './signaling.topics';
import type { SignalKind } from './types/call-signal.type';

export const PAYLOAD_MAX_BYTES = 16 * 1024;
const CALLING_STATUSES = ['ACCEPTED', 'ARRIVED'];

export interface SignalRow {
  sosId: string;
  fromUserId: string;
  kind: SignalKind;
  payload: string;
  at: Date;
}

/**
 * Relays WebRTC signaling between the people of an SOS (its conversation's participants) while
 * help is on the way. Nothing is stored: a signal nobody is listening for is simply gone, as
 * a call attempt is.
 */
export class SignalingService {
  constructor(
    private readonly chat: ChatService,
    private readonly sos: SosService,
    private readonly pubsub: PubSub,
    private readonly limiter: FixedWindowLimiter,
    private readonly ice: IceSettings,
  ) {}

  /** ICE servers for the people of an SOS while a call is possible (as for signals: NOT_FOUND, CONFLICT). */
  async iceServers(ctx: Context, sosId: string): Promise<IceServerRow[]> {
    await this.callable(ctx, sosId);
    return iceServersFor(ctx.tokenUserId!, this.ice);
  }

  async send(ctx: Context, sosId: string, kind: SignalKind, payload: string): Promise<boolean> {
    const id = await this.callable(ctx, sosId);
    if (Buffer.byteLength(payload, 'utf8') > PAYLOAD_MAX_BYTES) throw badInput('payload', `must be at most ${PAYLOAD_MAX_BYTES} bytes`);
    const attempt = await this.limiter.hit(ctx.tokenUserId!);
    if (this.limiter.isExceeded(attempt)) throw rateLimited('Too many call signals; slow down', attempt.retryAfterSeconds);
    await this.pubsub.publish(signalingTopics.signals, id, { sosId: id, fromUserId: ctx.tokenUserId!, kind, payload, at: new Date() });
    return true;
  }

  /** Signals from the others, never the viewer's own. */
  async feed(ctx: Context, sosId: string): Promise<AsyncIterable<SignalRow>> {
    const id = assertId('sosId', sosId);
    if (!(await this.chat.ofSos(ctx, id))) throw notFound('SOS');
    const feed = await this.pubsub.listen(signalingTopics.signals, id);
    return closingFeed(feed, this.fromOthers(ctx.tokenUserId!, feed));
  }

  private async *fromOthers(viewerId: string, feed: Feed<SignalRow>): AsyncGenerator<SignalRow> {
    try {
      // Signals are not stored: a RESYNC has nothing to catch up on.
      for await (const signal of feed) if (signal !== RESYNC && signal.fromUserId !== viewerId) yield signal;
    } finally {
      feed.close();
    }
  }

  /** NOT_FOUND unless the viewer takes part in the SOS's conversation; CONFLICT unless help is under way. */
  private async callable(ctx: Context, sosId: string): Promise<string> {
    const id = assertId('sosId', sosId);
    if (!(await this.chat.ofSos(ctx, id))) throw notFound('SOS');
    const sos = await this.sos.byId(ctx, id);
    if (!sos || !CALLING_STATUSES.includes(sos.status)) {
      throw new AppError('CONFLICT', `Calls are possible while help is on the way; this SOS is ${sos?.status ?? 'gone'}`, { status: sos?.status });
    }
    return id;
  }
}
