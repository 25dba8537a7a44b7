import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/** Polls `probe` until `done` says yes (then returns that value) or the time is up (then throws, with the last value). */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return value;
}

/** The next item of a subscription, or a failure naming what did not arrive in time. */
export async function nextOf<T>(iterator: AsyncIterator<T>, what = 'subscription event', timeoutMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    if (result.done) throw new Error(`the ${what} stream ended`);
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a subscription ends (completes) within the time. */
export async function endsWithin(iterator: AsyncIterator<unknown>, timeoutMs = 5000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    iterator.next().then((r) => r.done === true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return ended;
}

/** Waits until something listens on the loopback `port` (a server a test started), or throws naming `what`. */
export async function untilListening(port: number, what: string, timeoutMs = 5000): Promise<void> {
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
  await eventually(listening, Boolean, timeoutMs).catch(() => {
    throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
  });
}

/** Waits until the server `child` (which the test spawned) listens on `port`; fails at once if it could not start or exits first. */
export async function childListening(child: ChildProcess, port: number, what: string, timeoutMs = 5000): Promise<void> {
  let settle = () => undefined as void;
  const died = new Promise<never>((_, reject) => {
    const onError = (err: Error) => reject(new Error(`${what} could not start: ${err.message}`));
    const onExit = (code: number | null) => reject(new Error(`${what} exited (${code}) before listening on ${port}`));
    child.once('error', onError).once('exit', onExit);
    settle = () => void child.off('error', onError).off('exit', onExit);
  });
  try {
    await Promise.race([untilListening(port, what, timeoutMs), died]);
  } finally {
    settle();
  }
}
