export { type SmtpChannelOptions, smtpChannel } from '../channels/smtp-channel.js';
export {
  type LocalSmtpServer,
  type LocalSmtpServerOptions,
  type ReceivedMail,
  startLocalSmtpServer,
} from '../testing/local-smtp-server.js';
