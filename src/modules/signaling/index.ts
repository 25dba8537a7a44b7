// Decorated classes below need the metadata polyfill loaded first, whoever imports this module first.
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../../config';
import type { Logger } from '../../platform/logger';
import type { PubSub } from '../../platform/pubsub';
import { FixedWindowLimiter } from '../../platform/rate-limit';
import type { Redis } from '../../platform/redis';
import type { ChatService } from '../chat';
import type { SosService } from '../sos';
import { SignalingResolver, boundSignaling } from './signaling.resolver';
import { SignalingService } from './signaling.service';

/** The signaling module's GraphQL resolvers (instances are made by createSignalingModule). */
export const signalingResolvers = [SignalingResolver] as const;

export function createSignalingModule(deps: { redis: Redis; config: Config; logger: Logger; pubsub: PubSub; chat: ChatService; sos: SosService }) {
  const limiter = new FixedWindowLimiter(deps.redis, deps.logger, 'signals', deps.config.CALL_SIGNALS_PER_10S, 10);
  const service = new SignalingService(deps.chat, deps.sos, deps.pubsub, limiter, {
    stunUrls: deps.config.STUN_URLS,
    turnUrls: deps.config.TURN_URLS,
    turnSharedSecret: deps.config.TURN_SHARED_SECRET,
    credentialTtlSeconds: deps.config.TURN_CREDENTIAL_TTL_SECONDS,
  });
  return { bindSchema: (schema: GraphQLSchema) => boundSignaling.bind(schema, service), resolvers: [new SignalingResolver(service)] };
}
