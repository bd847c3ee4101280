import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { ChannelError } from '../errors.js';
import type { Channel } from '../ports.js';

export interface SmtpChannelOptions {
  /** Default `smtp`. */
  name?: string;
  host: string;
  port: number;
  /** TLS from the first byte (port 465). Default false (STARTTLS when offered). */
  secure?: boolean;
  /** Refuse to send without STARTTLS. Default false. */
  requireTls?: boolean;
  auth?: { user: string; pass: string };
  /** The From address when a message names none. */
  from: { address: string; name?: string };
  /** Keep connections open and reuse them. Default true. */
  pool?: boolean;
  /** Connections in the pool. Default 5. */
  maxConnections?: number;
  /** Socket timeouts. Default 30 s. */
  timeoutMs?: number;
  /** Domain of the Message-ID the channel derives from the idempotency key. Default: the From domain. */
  messageIdDomain?: string;
  /** Extra nodemailer SMTP options (TLS settings, …). */
  transport?: Omit<SMTPTransport.Options, 'host' | 'port' | 'secure' | 'auth'>;
}

/**
 * An email channel over SMTP (nodemailer). Each message gets a Message-ID derived from its
 * idempotency key, so a receiving system can recognise a retry of a message it already has.
 * SMTP 5xx replies to the envelope (unknown recipient, refused sender) are permanent
 * (`retryable: false`); 4xx replies, connection problems and timeouts are temporary.
 *
 * @example
 * const email = smtpChannel({ host: '127.0.0.1', port: 2525, from: { address: 'noreply@agency.example' } });
 */
export function smtpChannel(options: SmtpChannelOptions): Channel {
  const name = options.name ?? 'smtp';
  const timeout = options.timeoutMs ?? 30_000;
  const transporter = nodemailer.createTransport({
    ...options.transport,
    host: options.host,
    port: options.port,
    secure: options.secure ?? false,
    requireTLS: options.requireTls ?? false,
    auth: options.auth,
    pool: options.pool ?? true,
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as SMTPTransport.Options);
  const domain = options.messageIdDomain ?? options.from.address.split('@')[1] ?? 'localhost';

  return {
    specificationVersion: 'messaging-channel/v1',
    name,
    kind: 'email',
    async send(message) {
      const from = message.from ?? options.from;
      const messageId = `<${createHash('sha256').update(message.idempotencyKey).digest('hex').slice(0, 40)}@${domain}>`;
      try {
        const info = await transporter.sendMail({
          from: from.name ? { name: from.name, address: from.address } : from.address,
          to: message.to,
          cc: message.cc,
          bcc: message.bcc,
          replyTo: message.replyTo,
          subject: message.subject ?? '',
          text: message.text,
          html: message.html,
          messageId,
          headers: { 'X-Govblocks-Message-Id': message.id },
        });
        if (info.rejected.length > 0 && info.accepted.length === 0) {
          throw new ChannelError(name, 'every recipient was refused', { retryable: false });
        }
        return { providerMessageId: info.messageId || messageId, channel: name };
      } catch (error) {
        if (ChannelError.is(error)) throw error;
        const smtp = error as { code?: string; responseCode?: number; command?: string };
        const permanent =
          typeof smtp.responseCode === 'number' &&
          smtp.responseCode >= 500 &&
          smtp.responseCode < 600;
        // Only the code and reply number: server replies may repeat the address.
        const detail = `SMTP ${smtp.command ?? 'send'} failed (${smtp.code ?? 'error'}${smtp.responseCode ? ` ${smtp.responseCode}` : ''})`;
        // A timeout while the message was in flight may hide an accepted message.
        const maybeAccepted =
          smtp.code === 'ETIMEDOUT' && (smtp.command === undefined || smtp.command === 'DATA');
        throw new ChannelError(name, detail, {
          retryable: !permanent,
          cause: error,
          extensions: { maybeAccepted },
        });
      }
    },
    async close() {
      transporter.close();
    },
  };
}
