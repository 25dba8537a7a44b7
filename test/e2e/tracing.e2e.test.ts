import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RaiseSosDocument } from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { OtlpCollector, type CollectedSpan } from '../helpers/otlp-collector';
import { spawnServer, stopServer, type ServerProcess } from '../helpers/spawn-server';
import { clientFactory, useTestEnvironment } from '../helpers/test-environment';
import { freshCentre } from '../helpers/volunteers';

const env = useTestEnvironment();
const SERVER = 2;
const CONSUMER = 5;

describe('tracing over OTLP', () => {
  const collector = new OtlpCollector();
  let server: ServerProcess;

  beforeAll(async () => {
    const endpoint = await collector.start();
    // The API as deployed, in a process of its own: instrumentations patch modules as Node loads them, which jest's module registry bypasses.
    server = await spawnServer(env.env({ PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' }));
  });

  afterAll(async () => {
    await stopServer(server);
    await collector.stop();
  });

  it('one raiseSos is one trace: its HTTP request, its GraphQL operation by name, its SQL and Redis, and the matching job that runs later', async () => {
    const person = await signUp(clientFactory(server.url));
    const idempotencyKey = randomUUID();
    const description = `chest pain ${randomUUID()}`;
    const { raiseSos } = await person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'MEDICAL', description, idempotencyKey } });

    const operation = await collector.waitForSpan((span) => span.name === 'mutation RaiseSos');
    const inTrace = (test: (span: CollectedSpan) => boolean) => collector.waitForSpan((span) => span.traceId === operation.traceId && test(span));
    // The steps after the first are jobs, taken from Redis by a worker (due at once here: nobody is near to wait for).
    const job = await inTrace((span) => span.name === 'process sos-matching' && span.kind === CONSUMER);
    const jobStep = await inTrace((span) => span.name === 'sos matching step' && span.parentSpanId === job.spanId);
    expect(jobStep.attributes['sos.id']).toBe(raiseSos.id);
    await inTrace((span) => span.parentSpanId === jobStep.spanId && span.attributes['db.system.name'] === 'postgresql');

    // The later steps' jobs follow one another; once the trace is quiet, every span has ended.
    const trace = await collector.settledTrace(operation.traceId);
    const root = trace.filter((span) => !span.parentSpanId);
    expect(root).toEqual([expect.objectContaining({ kind: SERVER, attributes: expect.objectContaining({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'url.path': '/graphql' }) })]);
    // Every span hangs from another span of the same trace.
    const ids = new Set(trace.map((span) => span.spanId));
    expect(trace.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId))).toEqual([]);
    expect(operation.attributes['graphql.operation.name']).toBe('RaiseSos');
    const statements = trace.map((span) => span.attributes['db.query.text']).filter((s): s is string => typeof s === 'string');
    expect(statements.some((sql) => /INSERT INTO sos_requests/i.test(sql))).toBe(true);
    expect(trace.some((span) => span.attributes['db.system.name'] === 'redis')).toBe(true);
    // The first step within the request, the others in jobs.
    expect(trace.filter((span) => span.name === 'sos matching step').length).toBeGreaterThanOrEqual(2);

    // What the person sent is in none of it: not the variables, not the SQL parameters, not Redis's arguments.
    const exported = collector.bodies.join('\n');
    for (const secret of [idempotencyKey, description, person.email, person.session.accessToken]) expect(exported).not.toContain(secret);

    // The log line of the raise names both the request and the trace.
    const raised = server.logs.find((line) => line.msg === 'SOS raised' && line.sosId === raiseSos.id);
    expect(raised).toEqual(expect.objectContaining({ requestId: expect.any(String), traceId: operation.traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) }));
  });

  it('exports no document text, comment or invalid value a client sent, and no client address', async () => {
    const secret = randomUUID();
    const post = (query: string) => fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    await post(`query CommentProbe { __typename } # ${secret}`);
    // Refused by validation, whose error quotes the value.
    expect((await post(`query InvalidProbe { mySosRequests(first: "${secret}") { pageInfo { hasNextPage } } }`)).status).toBe(400);
    await collector.waitForSpan((span) => span.name === 'query CommentProbe');
    const refused = await collector.waitForSpan((span) => span.name === 'graphql.validate' && span.events.some((event) => event.name === 'exception'));
    expect(refused.events.find((event) => event.name === 'exception')!.attributes).toEqual({ 'exception.type': expect.any(String) });
    expect(collector.bodies.join('\n')).not.toContain(secret);
    const personal = ['graphql.source', 'client.address', 'network.peer.address', 'user_agent.original'];
    expect(collector.spans.filter((span) => personal.some((key) => key in span.attributes))).toEqual([]);
  });

  it('does not trace health probes', async () => {
    const registrations = () => collector.spans.filter((span) => span.name === 'mutation Register').length;
    const before = registrations();
    expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);
    // Ended after the probe, so once this one has arrived the probe's span would have too.
    await signUp(clientFactory(server.url));
    await collector.waitForSpan(() => registrations() > before);
    expect(collector.spans.filter((span) => /\/healthz/.test(String(span.attributes['url.path'])))).toEqual([]);
  });
});

describe('tracing off', () => {
  it('loads neither the SDK nor an instrumentation', async () => {
    const script = `
      require('./src/platform/tracing').startTracing({ endpoint: '', serviceName: 'x', sampleRatio: 1 }).then(() => {
        require('./src/app/create-app');
        const loaded = Object.keys(require.cache).filter((path) => /@opentelemetry\\/(sdk-|instrumentation|exporter)/.test(path));
        process.stdout.write(JSON.stringify(loaded));
      });`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: join(__dirname, '..', '..') });
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
