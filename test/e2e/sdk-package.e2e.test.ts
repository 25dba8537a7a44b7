import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PASSWORD, uniqueEmail } from '../helpers/actors';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { freshCentre } from '../helpers/volunteers';

const env = useTestEnvironment();
const ROOT = join(__dirname, '..', '..');
let server: TestServer;

beforeAll(async () => {
  server = await env.start();
});

describe('the SDK package (sdk/, npm workspace @careconnect/sdk)', () => {
  it('builds on its own to JavaScript and type declarations, and the built package talks to the API', async () => {
    const build = spawnSync('npm', ['run', '-s', 'sdk:build'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.stderr + build.stdout).toBe('');
    expect(build.status).toBe(0);
    expect(existsSync(join(ROOT, 'sdk', 'dist', 'index.d.ts'))).toBe(true);

    // The package's entry as an app loads it (the built JavaScript, not the TypeScript the other
    // tests use), in a process of its own: register, raise an SOS, hear its first event.
    const app = `
      const WebSocket = require('ws');
      const sdk = require('./sdk/dist/index.js');
      (async () => {
        const client = new sdk.CareConnectClient({ url: process.env.API_URL, webSocketImpl: WebSocket });
        const { register } = await client.request(sdk.RegisterDocument, { input: { email: process.env.EMAIL, password: process.env.PASSWORD, displayName: 'Package User' } });
        client.setSession(register);
        const input = { location: JSON.parse(process.env.LOCATION), category: 'MEDICAL', idempotencyKey: process.env.KEY };
        const { raiseSos } = await client.request(sdk.RaiseSosDocument, { input });
        const updates = client.subscribe(sdk.SosUpdatesDocument, { sosId: raiseSos.id, afterSeq: 0 });
        const first = await updates.next();
        await updates.return();
        await client.close();
        console.log(JSON.stringify({ sosId: raiseSos.id, first: first.value.sosUpdates }));
      })().catch((err) => { console.error(err); process.exit(1); });`;
    // Not spawnSync: the API answering it runs in this process.
    const run = await promisify(execFile)(process.execPath, ['-e', app], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env.PATH, API_URL: server.url, EMAIL: uniqueEmail(), PASSWORD, LOCATION: JSON.stringify(freshCentre()), KEY: randomUUID() },
    });
    expect(run.stderr).toBe('');
    const heard = JSON.parse(run.stdout) as { sosId: string; first: { sosId: string; seq: number; type: string } };
    expect(heard.first).toMatchObject({ sosId: heard.sosId, seq: 1, type: 'CREATED' });
  });
});
