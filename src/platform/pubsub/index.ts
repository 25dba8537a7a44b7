export { PubSub, closingFeed, type Feed } from './pubsub';
export { topic, type Topic } from './topic';
export { replayThenLive, type ReplaySource } from './replay';
