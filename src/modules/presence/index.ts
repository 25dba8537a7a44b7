export { PresenceService } from './presence.service';
export type { PresenceEvents } from './presence.events';
