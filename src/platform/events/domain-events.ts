import { inTransaction, type Sql, type Tx } from '../db';
import type { Logger } from '../logger';

/** Event name -> payload. Each module declares the events it announces in its `<module>.events.ts`. */
export type EventMap = object;

type Committed<P> = (payload: P) => Promise<void> | void;
/** A reaction inside the transaction; what it emits in turn joins that transaction's events. */
type Transactional<P, M extends EventMap> = (payload: P, tx: Tx, events: Emitter<M>) => Promise<void>;

/** Announces events from inside a transaction (see `EventBus.transaction`). */
export interface Emitter<M extends EventMap> {
  // A method, not a function property: a bus of every module's events must pass where one module's is expected.
  emit<K extends keyof M & string>(name: K, payload: M[K]): Promise<void>;
}

/**
 * What happened in one module, told to whichever modules care, in process. Listeners are wired in
 * the composition root (`src/app/modules.ts`), so one file says who reacts to what.
 */
export interface EventBus<M extends EventMap> {
  /**
   * Listens once the change has committed: for reactions that may fail without undoing it (live
   * updates, caches). A failing listener is logged; the others still run.
   */
  on<K extends keyof M & string>(name: K, listener: Committed<M[K]>): void;
  /** Listens inside the transaction of the change: its writes commit or roll back with it, and its failure rolls the change back. */
  onTransaction<K extends keyof M & string>(name: K, listener: Transactional<M[K], M>): void;
  /** Runs `work` in one transaction; what it emits reaches transaction listeners at once and the others after the commit. */
  transaction<T>(sql: Sql, work: (tx: Tx, events: Emitter<M>) => Promise<T>): Promise<T>;
  /** Announces an event no transaction backs (a location fix, a presence change) to the `on` listeners. */
  emit<K extends keyof M & string>(name: K, payload: M[K]): Promise<void>;
}

/** The in-process event bus: several listeners per event, called in the order they were added. */
export class DomainEvents<M extends EventMap> implements EventBus<M> {
  private readonly committed = new Map<string, Committed<never>[]>();
  private readonly transactional = new Map<string, Transactional<never, M>[]>();

  constructor(private readonly logger: Logger) {}

  on<K extends keyof M & string>(name: K, listener: Committed<M[K]>): void {
    this.listenersOf(this.committed, name).push(listener as Committed<never>);
  }

  onTransaction<K extends keyof M & string>(name: K, listener: Transactional<M[K], M>): void {
    this.listenersOf(this.transactional, name).push(listener as Transactional<never, M>);
  }

  async transaction<T>(sql: Sql, work: (tx: Tx, events: Emitter<M>) => Promise<T>): Promise<T> {
    const emitted: [string, unknown][] = [];
    const result = await inTransaction(sql, (tx) => {
      const events: Emitter<M> = {
        emit: async (name, payload) => {
          // Told after the commit in the order emitted: an event before what its listeners emit in turn.
          emitted.push([name, payload]);
          for (const listener of this.transactional.get(name) ?? []) await (listener as Transactional<unknown, M>)(payload, tx, events);
        },
      };
      return work(tx, events);
    });
    for (const [name, payload] of emitted) await this.deliver(name, payload);
    return result;
  }

  emit<K extends keyof M & string>(name: K, payload: M[K]): Promise<void> {
    return this.deliver(name, payload);
  }

  private async deliver(name: string, payload: unknown): Promise<void> {
    const listeners = this.committed.get(name);
    if (!listeners) return;
    // One listener is the common case (and `volunteer.locationFixed` the hottest path): no array of promises for it.
    if (listeners.length === 1) return this.call(name, listeners[0], payload);
    await Promise.all(listeners.map((listener) => this.call(name, listener, payload)));
  }

  private async call(name: string, listener: Committed<never>, payload: unknown): Promise<void> {
    try {
      await (listener as Committed<unknown>)(payload);
    } catch (err) {
      this.logger.warn({ event: name, err: { message: (err as Error).message } }, 'event listener failed');
    }
  }

  private listenersOf<L>(listeners: Map<string, L[]>, name: string): L[] {
    let list = listeners.get(name);
    if (!list) listeners.set(name, (list = []));
    return list;
  }
}
