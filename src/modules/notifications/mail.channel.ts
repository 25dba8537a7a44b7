import type { GuardedCall, ProviderCircuits } from './provider-circuits';
import type { Mail, MailResult, SmtpMail } from './providers/smtp-mail';

/** Account mail through the SMTP server, behind its own circuit breaker; off without SMTP_URL. */
export class MailChannel {
  private readonly call: GuardedCall | null;

  constructor(
    private readonly smtp: SmtpMail | null,
    circuits: ProviderCircuits,
  ) {
    this.call = smtp ? circuits.guard(smtp.name) : null;
  }

  get isOn(): boolean {
    return this.smtp !== null;
  }

  status(): Record<string, 'on' | 'off'> {
    return { mail: this.isOn ? 'on' : 'off' };
  }

  async send(mail: Mail): Promise<{ provider: string; result: MailResult }> {
    if (!this.smtp || !this.call) return { provider: 'none', result: { outcome: 'rejected', detail: 'mail is off (no SMTP_URL)' } };
    const smtp = this.smtp;
    return { provider: smtp.name, result: await this.call(() => smtp.send(mail)) };
  }

  close(): void {
    this.smtp?.close();
  }
}
