export { DomainEvents, type Emitter, type EventBus, type EventMap } from './domain-events';
