import WebSocket from 'ws';

export interface RawSocket {
  socket: WebSocket;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the next message of the given type. */
  next(type: string): Promise<Record<string, unknown>>;
  send(message: Record<string, unknown>): void;
}

/**
 * A bare graphql-transport-ws socket, for tests that need to see the protocol itself (close
 * codes, acknowledgements) rather than what the SDK makes of it.
 */
export async function openRawSocket(wsUrl: string, connectionParams?: Record<string, unknown>): Promise<RawSocket> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const messages: Record<string, unknown>[] = [];
  const waiters: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const waiter = waiters.find((w) => w.type === message.type);
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    } else {
      messages.push(message);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const send = (message: Record<string, unknown>) => socket.send(JSON.stringify(message));
  send({ type: 'connection_init', payload: connectionParams });
  return {
    socket,
    closed,
    send,
    next: (type) => {
      const queued = messages.find((m) => m.type === type);
      if (queued) {
        messages.splice(messages.indexOf(queued), 1);
        return Promise.resolve(queued);
      }
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}
