import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Sms {
  to: string;
  from: string;
  text: string;
}

/** A local HTTP server; subclasses answer as one SMS provider's API does. */
abstract class FakeSmsProvider {
  readonly received: Sms[] = [];
  /** Answers every message with the provider's "try again" failure while true. */
  failing = false;
  /** How long each request takes to answer (a real provider's round trip). */
  latencyMs = 0;
  url = '';
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) =>
      void this.read(req)
        .then(async (body) => {
          if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
          return body;
        })
        .then((body) => this.handle(req, body, res)),
    );
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  to(phone: string): Sms[] {
    return this.received.filter((m) => m.to === phone);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  protected abstract handle(req: IncomingMessage, body: string, res: ServerResponse): void;

  protected reply(res: ServerResponse, status: number, json: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  }

  private async read(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}

/** Twilio's Messages API: Basic auth with the account SID and token, a form, 201 with the message. */
export class FakeTwilio extends FakeSmsProvider {
  readonly accountSid = `AC${randomUUID().replace(/-/g, '')}`;
  readonly authToken = randomUUID();
  readonly from = '+4930123456';

  settings(): Record<string, string> {
    return { TWILIO_ACCOUNT_SID: this.accountSid, TWILIO_AUTH_TOKEN: this.authToken, TWILIO_FROM: this.from, TWILIO_BASE_URL: this.url };
  }

  protected handle(req: IncomingMessage, body: string, res: ServerResponse): void {
    if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${this.accountSid}/Messages.json`) return this.reply(res, 404, { code: 20404, message: 'not found' });
    if (req.headers.authorization !== `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`) return this.reply(res, 401, { code: 20003, message: 'Authenticate' });
    if (this.failing) return this.reply(res, 503, { code: 20503, message: 'Service unavailable' });
    const form = new URLSearchParams(body);
    if (!/^\+[1-9]\d{7,14}$/.test(form.get('To') ?? '')) return this.reply(res, 400, { code: 21211, message: "The 'To' number is not a valid phone number." });
    this.received.push({ to: form.get('To')!, from: form.get('From')!, text: form.get('Body')! });
    this.reply(res, 201, { sid: `SM${randomUUID().replace(/-/g, '')}`, status: 'queued', to: form.get('To') });
  }
}

/** Vonage's SMS API: credentials in a JSON body, HTTP 200 always, a status per message ("0" sent, "1" throttled). */
export class FakeVonage extends FakeSmsProvider {
  readonly apiKey = 'a1b2c3d4';
  readonly apiSecret = randomUUID();
  readonly from = 'CareConnect';

  settings(): Record<string, string> {
    return { VONAGE_API_KEY: this.apiKey, VONAGE_API_SECRET: this.apiSecret, VONAGE_FROM: this.from, VONAGE_BASE_URL: this.url };
  }

  protected handle(req: IncomingMessage, body: string, res: ServerResponse): void {
    if (req.method !== 'POST' || req.url !== '/sms/json') return this.reply(res, 404, {});
    const message = JSON.parse(body) as { api_key: string; api_secret: string; from: string; to: string; text: string };
    if (message.api_key !== this.apiKey || message.api_secret !== this.apiSecret) return this.reply(res, 200, { 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad Credentials' }] });
    if (this.failing) return this.reply(res, 200, { 'message-count': '1', messages: [{ status: '1', 'error-text': 'Throttled' }] });
    this.received.push({ to: `+${message.to}`, from: message.from, text: message.text });
    this.reply(res, 200, { 'message-count': '1', messages: [{ to: message.to, 'message-id': randomUUID(), status: '0' }] });
  }
}
