import WebSocket from 'ws';
import type { Point } from '../../src/platform/geo';

export interface AlertSubscriber {
  accessToken: string;
  location: Point;
}

const LOCATION = 'mutation($location: GeoPointInput!) { updateLocation(location: $location) { nextUpdateInSeconds } }';
const ALERTS = 'subscription { sosAlerts { status expiresAt sos { id } } }';

/**
 * Opens a volunteer's graphql-ws socket as the app does: sign in with the token, send where they
 * are (when `sendLocation`), subscribe to sosAlerts; `onOffer` hears each OFFERED alert (with
 * its expiresAt, when the server sends one).
 * Resolves once subscribed (and the location acknowledged).
 */
export function openAlertSocket(wsUrl: string, volunteer: AlertSubscriber, sendLocation: boolean, onOffer: (sosId: string, expiresAt?: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const subscribe = () => socket.send(JSON.stringify({ id: 'alerts', type: 'subscribe', payload: { query: ALERTS } }));
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${volunteer.accessToken}` } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: string; type: string; payload?: { data?: { sosAlerts?: { status: string; expiresAt?: string; sos: { id: string } } }; errors?: unknown } };
      if (message.type === 'connection_ack') {
        if (!sendLocation) {
          subscribe();
          resolve(socket);
          return;
        }
        socket.send(JSON.stringify({ id: 'location', type: 'subscribe', payload: { query: LOCATION, variables: { location: volunteer.location } } }));
      } else if (message.id === 'location') {
        if (message.type === 'next' && message.payload?.errors) reject(new Error(`updateLocation failed: ${JSON.stringify(message.payload.errors)}`));
        if (message.type === 'complete') {
          subscribe();
          resolve(socket);
        }
      } else if (message.type === 'next' && message.payload?.data?.sosAlerts?.status === 'OFFERED') {
        onOffer(message.payload.data.sosAlerts.sos.id, message.payload.data.sosAlerts.expiresAt);
      } else if (message.type === 'error') {
        reject(new Error(`subscription refused: ${JSON.stringify(message.payload)}`));
      }
    });
    socket.on('error', reject);
  });
}
