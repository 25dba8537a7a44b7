import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { constants, createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';

export interface ApnsPush {
  token: string;
  headers: IncomingHttpHeaders;
  payload: { aps: Record<string, unknown> } & Record<string, unknown>;
}

/**
 * A local APNs provider API over HTTP/2 (cleartext, as a test can run it): checks the ES256
 * provider token against the key it issued, the topic and push type, and records each push.
 * Tokens in `deadTokens` answer 410 Unregistered, as a device whose app is gone does.
 */
export class FakeApns {
  readonly received: ApnsPush[] = [];
  readonly deadTokens = new Set<string>();
  failing = false;
  private readonly server: Http2Server;
  private readonly keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  readonly keyId = 'ABC123DEFG';
  readonly teamId = 'TEAM123456';
  readonly bundleId = 'org.careconnect.app';
  url = '';

  constructor() {
    this.server = createServer();
    this.server.on('stream', (stream, headers) => void this.handle(stream, headers));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The APNS_* settings an operator would give the API. */
  settings(): Record<string, string> {
    return {
      APNS_KEY_ID: this.keyId,
      APNS_TEAM_ID: this.teamId,
      APNS_BUNDLE_ID: this.bundleId,
      APNS_PRIVATE_KEY: this.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      APNS_BASE_URL: this.url,
    };
  }

  to(token: string): ApnsPush[] {
    return this.received.filter((p) => p.token === token);
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const reply = (status: number, reason?: string) => {
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: status, 'apns-id': randomUUID(), ...(reason ? { 'content-type': 'application/json' } : {}) });
      stream.end(reason ? JSON.stringify({ reason }) : undefined);
    };
    const match = /^\/3\/device\/([^/]+)$/.exec(String(headers[constants.HTTP2_HEADER_PATH]));
    if (headers[constants.HTTP2_HEADER_METHOD] !== 'POST' || !match) return reply(404, 'BadPath');
    try {
      const key = await importSPKI(this.keys.publicKey.export({ type: 'spki', format: 'pem' }) as string, 'ES256');
      const jwt = /^bearer (.+)$/.exec(String(headers.authorization))?.[1] ?? '';
      const { protectedHeader } = await jwtVerify(jwt, key, { issuer: this.teamId });
      if (protectedHeader.kid !== this.keyId) throw new Error('kid');
    } catch {
      return reply(403, 'InvalidProviderToken');
    }
    if (headers['apns-topic'] !== this.bundleId) return reply(400, 'TopicDisallowed');
    if (!['alert', 'background'].includes(String(headers['apns-push-type']))) return reply(400, 'InvalidPushType');
    if (this.failing) return reply(503, 'ServiceUnavailable');
    const token = decodeURIComponent(match[1]);
    if (this.deadTokens.has(token)) return reply(410, 'Unregistered');
    this.received.push({ token, headers, payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApnsPush['payload'] });
    reply(200);
  }
}
