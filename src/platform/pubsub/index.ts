export { PubSub, RESYNC, closingFeed, type Feed, type Resync } from './pubsub';
export { topic, type Topic } from './topic';
export { replayThenLive, type ReplaySource } from './replay';
