import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, type GraphQLFormattedError } from 'graphql';
import WebSocket from 'ws';
import { MeDocument } from '../../sdk/index';
import { Role, signInAs, signUp } from '../helpers/actors';
import { hostileDocuments, operationFor, rootFields, seeded, type Random } from '../helpers/fuzz';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { freshCentre, volunteerAt } from '../helpers/volunteers';

// A fixed seed keeps CI repeatable; FUZZ_SEED and FUZZ_REQUESTS make a longer or different run:
// FUZZ_REQUESTS=50000 FUZZ_SEED=7 npx jest test/e2e/fuzz
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2400);
const CONCURRENCY = 8;
/** Every answer, error or not, must come within this long. */
const ANSWER_WITHIN_MS = 1000;

const env = useTestEnvironment();
let server: TestServer;
const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));

interface Outcome {
  transport: 'http' | 'ws';
  status: number;
  codes: string[];
  ms: number;
  closeCode?: number;
}

async function overHttp(url: string, body: unknown, token: string | undefined): Promise<Outcome> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let errors: GraphQLFormattedError[] = [];
  try {
    errors = (JSON.parse(text) as { errors?: GraphQLFormattedError[] }).errors ?? [];
  } catch {
    // A body limit or a malformed request answers without GraphQL errors.
  }
  return { transport: 'http', status: response.status, codes: errors.map((e) => String(e.extensions?.code)), ms: performance.now() - started };
}

/** One graphql-ws socket per actor, reopened when the server closes it. */
class FuzzSocket {
  private socket?: Promise<WebSocket>;
  private readonly waiting = new Map<string, (message: { type: string; payload?: unknown } | { closeCode: number }) => void>();
  private nextId = 0;

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
  ) {}

  async send(payload: unknown): Promise<Outcome> {
    let socket: WebSocket;
    try {
      socket = await this.open();
    } catch (err) {
      // Refused at the door (an anonymous socket is closed with 4401): an answer like any other.
      return { transport: 'ws', status: 200, codes: [], ms: 0, closeCode: Number(/closed (\d+)/.exec((err as Error).message)?.[1] ?? 0) };
    }
    const id = String(++this.nextId);
    const started = performance.now();
    const answer = new Promise<{ type: string; payload?: unknown } | { closeCode: number } | null>((resolve) => {
      this.waiting.set(id, resolve);
      setTimeout(() => resolve(null), ANSWER_WITHIN_MS * 1.5);
    });
    socket.send(JSON.stringify({ id, type: 'subscribe', payload }));
    const message = await answer;
    this.waiting.delete(id);
    const ms = performance.now() - started;
    if (message === null) {
      // Still open: a subscription that was accepted and waits for events. Stop it.
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: 'complete' }));
      return { transport: 'ws', status: 200, codes: [], ms: 0 };
    }
    if ('closeCode' in message) return { transport: 'ws', status: 200, codes: [], ms, closeCode: message.closeCode };
    const errors = (message.type === 'error' ? message.payload : (message.payload as { errors?: unknown }).errors) as GraphQLFormattedError[] | undefined;
    if (message.type === 'next' && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: 'complete' }));
    return { transport: 'ws', status: 200, codes: (errors ?? []).map((e) => String(e.extensions?.code)), ms };
  }

  close(): void {
    void this.socket?.then((s) => s.close(), () => undefined);
  }

  private open(): Promise<WebSocket> {
    this.socket ??= new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: this.token ? { authorization: `Bearer ${this.token}` } : {} })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: string; type: string; payload?: unknown };
        if (message.type === 'connection_ack') resolve(socket);
        if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
        if (message.id) this.waiting.get(message.id)?.(message);
      });
      socket.on('close', (code) => {
        this.socket = undefined;
        for (const resolveWaiting of this.waiting.values()) resolveWaiting({ closeCode: code });
        reject(new Error(`closed ${code} before acknowledging`));
      });
      socket.on('error', () => undefined);
    });
    return this.socket;
  }
}

/** What no request may ever get: a server error, an internal error, a socket closed for an internal error. (Slowness is judged apart.) */
function problemOf(outcome: Outcome): string | null {
  if (outcome.status >= 500) return `HTTP ${outcome.status}`;
  if (outcome.codes.includes('INTERNAL_SERVER_ERROR')) return 'INTERNAL_SERVER_ERROR';
  if (outcome.closeCode === 1011 || outcome.closeCode === 4500) return `socket closed ${outcome.closeCode}`;
  return null;
}

beforeAll(async () => {
  // Limits that fuzzing would trip at once are raised: a refused request proves nothing.
  server = await env.start({ SOS_PER_HOUR: '1000', CHAT_MESSAGES_PER_10S: '10000', CALL_SIGNALS_PER_10S: '10000', LOGIN_FAILURES_PER_ACCOUNT: '10000' });
});

describe('schema-driven fuzzing: every root field, wrong and hostile inputs, over HTTP and WebSocket', () => {
  it(`answers ${REQUESTS} generated requests with no 5xx, no INTERNAL_SERVER_ERROR, each within ${ANSWER_WITHIN_MS} ms, and stays healthy`, async () => {
    const random: Random = seeded(SEED);
    const user = await signUp(server);
    const volunteer = await volunteerAt(server, freshCentre());
    const admin = await signInAs(server, Role.ADMIN);
    const tokens = [undefined, user.session.accessToken, volunteer.session.accessToken, admin.session.accessToken];
    const sockets = tokens.map((token) => new FuzzSocket(server.wsUrl, token));
    const fields = rootFields(schema);
    const problems: string[] = [];
    const seen = { http: 0, ws: 0, codes: new Map<string, number>() };

    const one = async (n: number) => {
      const actor = random.int(tokens.length);
      let body: unknown;
      let socket = false;
      if (n % 25 === 0) {
        body = { query: random.pick(hostileDocuments(random)) };
        socket = random.chance(0.3);
      } else if (n % 97 === 0) {
        body = random.pick(['{"query": ', 'null', '[]', '{"query": 42}', '{"query": "{ me { id } }", "variables": "nope"}', `{"query": "${'x'.repeat(200_000)}"}`]);
      } else {
        const [kind, field] = fields[random.int(fields.length)];
        const operation = operationFor(kind, field, random);
        body = { query: operation.query, variables: operation.variables };
        socket = kind === 'subscription' || random.chance(0.15);
      }
      const outcome = socket && typeof body !== 'string' ? await sockets[actor].send(body) : await overHttp(server.url, body, tokens[actor]);
      seen[outcome.transport] += 1;
      for (const code of outcome.codes) seen.codes.set(code, (seen.codes.get(code) ?? 0) + 1);
      const problem = problemOf(outcome);
      if (problem) problems.push(`${problem} (${outcome.transport}): ${JSON.stringify(body).slice(0, 300)}`);
      if (outcome.ms > ANSWER_WITHIN_MS) slow.push({ body, actor, socket });
    };
    // A slow answer is sent again on its own: a request that is slow by itself (a document that
    // stalls validation) is a finding; one that was slow because CI's two cores were busy is not.
    const slow: { body: unknown; actor: number; socket: boolean }[] = [];

    let issued = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (issued < REQUESTS) await one(issued++);
      }),
    );
    for (const { body, actor, socket } of slow) {
      const again = socket && typeof body !== 'string' ? await sockets[actor].send(body) : await overHttp(server.url, body, tokens[actor]);
      if (again.ms > ANSWER_WITHIN_MS) problems.push(`answered in ${Math.round(again.ms)} ms, twice (${again.transport}): ${JSON.stringify(body).slice(0, 300)}`);
    }
    for (const socket of sockets) socket.close();

    console.log(`fuzz: ${seen.http} over HTTP, ${seen.ws} over WebSocket, ${slow.length} slower than ${ANSWER_WITHIN_MS} ms under load and sent again; codes: ${JSON.stringify(Object.fromEntries(seen.codes))}`);
    expect(problems).toEqual([]);
    expect(seen.ws).toBeGreaterThan(REQUESTS / 10);
    expect((await fetch(server.url.replace('/graphql', '/readyz'))).status).toBe(200);
    const { me } = await user.client.request(MeDocument);
    expect(me.id).toBe(user.id);
  }, 180_000);
});
