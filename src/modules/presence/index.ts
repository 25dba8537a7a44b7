export { PresenceService, type PresenceChange } from './presence.service';
