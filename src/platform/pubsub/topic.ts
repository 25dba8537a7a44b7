/** Keys of T whose values are dates (possibly null): those travel as ISO strings. */
type DateKeys<T> = { [K in keyof T & string]: NonNullable<T[K]> extends Date ? K : never }[keyof T & string];
/** Dates of T (of each member, for a union), and of the objects T carries one level down ("sos.createdAt"). */
export type DatePath<T> = T extends unknown
  ?
      | DateKeys<T>
      | { [K in keyof T & string]: NonNullable<T[K]> extends Date ? never : NonNullable<T[K]> extends object ? `${K}.${DateKeys<NonNullable<T[K]>>}` : never }[keyof T & string]
  : never;

/**
 * A pub/sub topic and the type of what it carries. Payloads cross Redis as JSON, where a Date
 * becomes an ISO string; the topic names its dates so that `decode`, the one place that reads
 * what arrives, turns them back, and subscribers get the type that was published.
 */
export interface Topic<Payload> {
  readonly name: string;
  /** Redis channel of one instance of the topic (one SOS, one conversation), or of the topic itself when it takes no key. */
  channel(key: string | null): string;
  decode(wire: unknown): Payload;
}

/** Declares a topic: `topic<SosEventRow>('sos', ['at'])`. */
export function topic<Payload extends object>(name: string, dates: readonly DatePath<Payload>[] = []): Topic<Payload> {
  const paths = dates.map((path) => path.split('.'));
  return {
    name,
    channel: (key) => (key === null ? name : `${name}:${key}`),
    decode(wire) {
      const payload = wire as Record<string, unknown>;
      for (const path of paths) reviveDate(payload, path);
      return payload as Payload;
    },
  };
}

function reviveDate(holder: Record<string, unknown> | null | undefined, [head, ...rest]: string[]): void {
  if (holder === null || typeof holder !== 'object') return;
  if (rest.length > 0) return reviveDate(holder[head] as Record<string, unknown>, rest);
  if (typeof holder[head] === 'string') holder[head] = new Date(holder[head]);
}
