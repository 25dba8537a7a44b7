import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { LoaderScope, type Context } from '../platform/auth';

/**
 * graphql-js's `subscribe`, but every event is resolved with DataLoaders of its own. A
 * subscription keeps one context for hours: loaders kept across its events would answer with rows
 * cached long ago, and each socket would carry a growing cache (memory is per idle socket here).
 */
export async function subscribeWithLoadersPerEvent(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const context = args.contextValue as Context;
  const stream = await createSourceEventStream(args);
  // What subscribing loaded (the volunteer's own profile, say) is not kept for the life of the stream.
  context.loaders = new LoaderScope();
  if (!(Symbol.asyncIterator in stream)) return stream;
  const source = stream as AsyncIterableIterator<unknown>;
  const resolve = async (result: IteratorResult<unknown>): Promise<IteratorResult<ExecutionResult>> => {
    if (result.done) return { done: true, value: undefined };
    context.loaders = new LoaderScope();
    return { done: false, value: await execute({ ...args, rootValue: result.value }) };
  };
  const events: AsyncIterableIterator<ExecutionResult> = {
    next: () => source.next().then(resolve),
    return: async () => resolve(source.return ? await source.return() : { done: true, value: undefined }),
    throw: async (error: unknown) => {
      if (!source.throw) throw error;
      return resolve(await source.throw(error));
    },
    [Symbol.asyncIterator]: () => events,
  };
  return events;
}
