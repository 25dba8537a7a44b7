import { topic } from '../../platform/pubsub';
import type { SignalRow } from './signaling.service';

/** What the signaling module publishes across instances, keyed by SOS id. */
export const signalingTopics = {
  /** WebRTC signals of one SOS's call. Never stored: a signal nobody listens for is gone, as a call attempt is. */
  signals: topic<SignalRow>('signals', ['at']),
};
