export { PubSub, closingFeed, type Feed } from './pubsub';
