import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';

export interface FcmMessage {
  token: string;
  data: Record<string, string>;
  notification?: { title: string; body: string };
  android?: { priority: string; collapse_key?: string; ttl?: string };
  webpush?: { headers: Record<string, string> };
}

/** How the fake answers sends: as FCM does, or failing the ways FCM fails. */
export type FcmMode = 'ok' | 'unavailable' | 'quota' | 'hang' | 'invalid';

/**
 * A local FCM HTTP v1 API (and Google OAuth token endpoint) speaking the documented shapes: the
 * token endpoint checks the service account's RS256 assertion, `messages:send` checks the
 * access token it issued. Tokens in `deadTokens` answer 404 UNREGISTERED, as uninstalled apps do.
 */
export class FakeFcm {
  readonly received: FcmMessage[] = [];
  readonly deadTokens = new Set<string>();
  mode: FcmMode = 'ok';
  tokenRequests = 0;
  /** How long each send takes to answer (a real provider's round trip). */
  latencyMs = 0;
  /** Called with each message accepted, as it is accepted (benchmarks time it). */
  onReceived: ((message: FcmMessage) => void) | null = null;
  private readonly issued = new Set<string>();
  private readonly server: Server;
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly projectId = 'careconnect-test';
  readonly clientEmail = 'push@careconnect-test.iam.gserviceaccount.com';
  url = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The service-account key file an operator would paste into FCM_SERVICE_ACCOUNT_JSON. */
  serviceAccountJson(): string {
    return JSON.stringify({
      type: 'service_account',
      project_id: this.projectId,
      client_email: this.clientEmail,
      private_key: this.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      token_uri: `${this.url}/token`,
    });
  }

  to(token: string): FcmMessage[] {
    return this.received.filter((m) => m.token === token);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };
    const error = (status: number, state: string, message: string, errorCode?: string) =>
      reply(status, { error: { code: status, message, status: state, details: errorCode ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] : [] } });

    if (req.method === 'POST' && req.url === '/token') {
      this.tokenRequests += 1;
      const form = new URLSearchParams(body);
      try {
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') throw new Error('grant_type');
        const key = await importSPKI(this.keys.publicKey.export({ type: 'spki', format: 'pem' }) as string, 'RS256');
        const { payload } = await jwtVerify(form.get('assertion') ?? '', key, { issuer: this.clientEmail, audience: `${this.url}/token` });
        if (payload.scope !== 'https://www.googleapis.com/auth/firebase.messaging') throw new Error('scope');
      } catch (err) {
        return reply(400, { error: 'invalid_grant', error_description: (err as Error).message });
      }
      const token = `ya29.${randomUUID()}`;
      this.issued.add(token);
      return reply(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }

    if (req.method === 'POST' && req.url === `/v1/projects/${this.projectId}/messages:send`) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !this.issued.has(bearer)) return error(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      if (this.mode === 'hang') return; // never answers: the client's timeout must
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      if (this.mode === 'unavailable') return error(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE');
      if (this.mode === 'invalid') return error(400, 'INVALID_ARGUMENT', 'Invalid value at \'message.data\'', 'INVALID_ARGUMENT');
      if (this.mode === 'quota') return reply(429, { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded' } }, { 'retry-after': '1' });
      const { message } = JSON.parse(body) as { message: FcmMessage };
      if (this.deadTokens.has(message.token)) return error(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED');
      this.received.push(message);
      this.onReceived?.(message);
      return reply(200, { name: `projects/${this.projectId}/messages/${randomUUID()}` });
    }
    return reply(404, { error: { code: 404, status: 'NOT_FOUND', message: 'no such endpoint' } });
  }
}
