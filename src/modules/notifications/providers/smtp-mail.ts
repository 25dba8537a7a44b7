import nodemailer, { type Transporter } from 'nodemailer';

/** What the SMTP server said; as for the other channels, without dead tokens. */
export interface MailResult {
  outcome: 'accepted' | 'retry' | 'rejected';
  detail: string | null;
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Account mail through an SMTP server (nodemailer, pooled connections, STARTTLS when offered).
 * A 4xx reply or a connection failure is worth a retry; a 5xx reply refuses this message.
 */
export class SmtpMail {
  readonly name = 'smtp';
  private readonly transport: Transporter;

  constructor(url: string, private readonly from: string) {
    this.transport = nodemailer.createTransport({ url, pool: true, maxConnections: 4, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10_000 });
  }

  async send(mail: Mail): Promise<MailResult> {
    try {
      await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
      return { outcome: 'accepted', detail: null };
    } catch (err) {
      const { responseCode, message } = err as { responseCode?: number; message: string };
      if (responseCode !== undefined && responseCode >= 500) return { outcome: 'rejected', detail: `SMTP ${responseCode}` };
      return { outcome: 'retry', detail: responseCode ? `SMTP ${responseCode}` : message };
    }
  }

  close(): void {
    this.transport.close();
  }
}
