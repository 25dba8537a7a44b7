import { randomUUID } from 'node:crypto';
import { MyConversationsDocument, RaiseSosDocument } from '../../sdk/index';
import { destination } from '../../src/platform/geo';
import manifest from '../../sdk/generated/persisted-documents.json';
import { signUp } from '../../test/helpers/actors';
import { acceptedSos } from '../../test/helpers/chat';
import { spawnServer, stopServer } from '../../test/helpers/spawn-server';
import { clientFactory, type TestServer } from '../../test/helpers/test-environment';
import { inBatches } from '../lib/batches';
import { CENTRE, sequence } from '../lib/city';
import { benchEnvironment } from '../lib/environment';
import { runLoad } from '../lib/load';
import { ms, percentile } from '../lib/percentiles';
import type { ScenarioReport } from '../lib/report';

const RAISES = 200;
const CONNECTIONS = 16;
const idOf = (document: unknown) => (document as { __meta__: { hash: string } }).__meta__.hash;
const textOf = (document: unknown) => (manifest as Record<string, string>)[idOf(document)];

type Form = 'text' | 'id';
const bodyOf = (document: unknown, form: Form, variables: Record<string, unknown>) =>
  JSON.stringify(form === 'id' ? { documentId: idOf(document), variables } : { query: textOf(document), variables });

/**
 * Request size and server time of two app operations sent as text and as a persisted document's
 * id, with TRUSTED_DOCUMENTS_ONLY off and on: `raiseSos` (each by a different person, one at a
 * time) and `myConversations` (autocannon, one person with a conversation).
 */
export async function documentsScenario(durationSeconds: number): Promise<ScenarioReport> {
  const environment = await benchEnvironment('documents');
  const settings = { REGISTRATIONS_PER_IP_PER_HOUR: '100000', ACCESS_TOKEN_TTL_SECONDS: '3600', SOS_STEP_TIMEOUT_SECONDS: '600' };
  const rows: string[] = [];
  try {
    let server = await spawnServer(environment.env(settings));
    const factory = clientFactory(server.url);
    const people = await inBatches(Array.from({ length: RAISES * 3 }), 16, async () => {
      const person = await signUp(factory);
      await person.client.close();
      return person.session.accessToken;
    });
    // The test helper takes a test server; it only uses its clients.
    const { person } = await acceptedSos(factory as unknown as TestServer);
    const reader = person.session.accessToken;
    await stopServer(server);

    const next = sequence(3);
    let offset = 0;
    for (const [form, only] of [['text', 'false'], ['id', 'false'], ['id', 'true']] as [Form, string][]) {
      server = await spawnServer(environment.env({ ...settings, TRUSTED_DOCUMENTS_ONLY: only }));
      try {
        const headers = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
        const raiseBody = () => bodyOf(RaiseSosDocument, form, { input: { location: destination(CENTRE, next() * 3000, next() * 360), category: 'MEDICAL', idempotencyKey: randomUUID() } });
        const times: number[] = [];
        for (let i = 0; i < RAISES; i++) {
          const body = raiseBody();
          const started = performance.now();
          const response = await fetch(server.url, { method: 'POST', headers: headers(people[offset + i]), body });
          const answer = (await response.json()) as { data?: unknown };
          if (!answer.data) throw new Error(`raiseSos failed: ${JSON.stringify(answer)}`);
          if (i >= 10) times.push(performance.now() - started);
        }
        offset += RAISES;
        const listBody = bodyOf(MyConversationsDocument, form, { first: 20 });
        const load = await runLoad({ url: server.url, body: listBody, headers: { authorization: `Bearer ${reader}` }, connections: CONNECTIONS, durationSeconds });
        rows.push(
          `| ${form} | ${only} | ${Buffer.byteLength(raiseBody())} | ${ms(percentile(times, 50), 1)} / ${ms(percentile(times, 99), 1)} | ${Buffer.byteLength(listBody)} | ${Math.round(load.requestsPerSecond)} | ${load.p50Ms} / ${load.p99Ms} | ${load.errors} |`,
        );
      } finally {
        await stopServer(server);
      }
    }
  } finally {
    await environment.close();
  }
  return {
    name: 'documents',
    title: 'Persisted documents: request size and server time, as text and by id',
    body: `
The API (production mode) restarted for each row. \`raiseSos\`: ${RAISES} SOS one after the other, each by a different person signed up through the API (the first 10 not timed). \`myConversations(first: 20)\`: ${CONNECTIONS} connections (autocannon) for ${durationSeconds} s, by a person with one conversation.
"text": the document's text in \`query\`; "id": \`documentId\` (as the SDK sends it). TRUSTED_DOCUMENTS_ONLY on makes the server check every request against the manifest.

| sent as | TRUSTED_DOCUMENTS_ONLY | raiseSos request bytes | raiseSos p50 / p99 ms | myConversations request bytes | myConversations requests/s | p50 / p99 ms | errors |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`,
  };
}
