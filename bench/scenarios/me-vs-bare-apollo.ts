import { RegisterDocument } from '../../sdk/index';
import { clientFactory } from '../../test/helpers/test-environment';
import { spawnServer, stopServer, type ServerProcess } from '../../test/helpers/spawn-server';
import { benchEnvironment } from '../lib/environment';
import { runLoad, type LoadResult } from '../lib/load';
import type { ScenarioReport } from '../lib/report';

const QUERY = JSON.stringify({ query: '{ me { id displayName } }' });
const CONNECTIONS = 32;

async function measure(server: ServerProcess, headers: Record<string, string>, durationSeconds: number): Promise<LoadResult> {
  // A GraphQL error is still HTTP 200: check the answer is data before counting throughput.
  const probe = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: QUERY });
  const body = (await probe.json()) as { data?: { me?: { id: string } } };
  if (!body.data?.me?.id) throw new Error(`${server.url} does not answer the query: ${JSON.stringify(body)}`);
  await runLoad({ url: server.url, body: QUERY, headers, connections: CONNECTIONS, durationSeconds: Math.min(3, durationSeconds) });
  return runLoad({ url: server.url, body: QUERY, headers, connections: CONNECTIONS, durationSeconds });
}

/**
 * Throughput and p99 of an authenticated `{ me { id displayName } }` over HTTP: the API (token
 * check, per-request context, role lookup in PostgreSQL, plugins) against a bare Apollo Server 5
 * answering the same query from memory, one after the other on the same machine.
 */
export async function meVersusBareApollo(durationSeconds: number): Promise<ScenarioReport> {
  const environment = await benchEnvironment('me');
  let api: LoadResult;
  let bare: LoadResult;
  try {
    const server = await spawnServer(environment.env());
    try {
      const { register } = await clientFactory(server.url)
        .client()
        .request(RegisterDocument, { input: { email: 'bench@example.org', password: 'bench password 1', displayName: 'Bench Person' } });
      api = await measure(server, { authorization: `Bearer ${register.accessToken}` }, durationSeconds);
    } finally {
      await stopServer(server);
    }
    const yardstick = await spawnServer({}, 'bench/servers/bare-apollo.ts');
    try {
      bare = await measure(yardstick, {}, durationSeconds);
    } finally {
      await stopServer(yardstick);
    }
  } finally {
    await environment.close();
  }

  const row = (name: string, r: LoadResult) => `| ${name} | ${Math.round(r.requestsPerSecond)} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} |`;
  return {
    name: 'me',
    title: 'Authenticated `me` over HTTP: the API against a bare Apollo Server',
    body: `
${CONNECTIONS} concurrent keep-alive connections (autocannon), ${durationSeconds} s after a warm-up, server and load generator on the same 2 cores.
The API runs in production mode; each request verifies the JWT, builds a context and reads the user's role from PostgreSQL.

| server | requests/s | p50 ms | p99 ms | errors |
| --- | ---: | ---: | ---: | ---: |
${row('CareConnect API', api)}
${row('bare Apollo Server 5 (from memory)', bare)}

**Ratio (API / bare): throughput ${(api.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}, p99 latency ${(api.p99Ms / Math.max(bare.p99Ms, 0.001)).toFixed(2)}.**
`,
  };
}
