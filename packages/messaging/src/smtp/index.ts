export { type SmtpChannelOptions, smtpChannel } from '../channels/smtp-channel.js';
