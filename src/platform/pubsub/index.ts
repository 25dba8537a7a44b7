export { PubSub, type Feed } from './pubsub';
