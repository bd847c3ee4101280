export { type AcmePayRailOptions, acmePayRail } from './acme-pay-rail.js';
export { type AcmeSmsChannelOptions, acmeSmsChannel } from './acme-sms-channel.js';
export {
  type AcmeSandbox,
  refusedNumber,
  type SandboxSms,
  type SandboxTransfer,
  startAcmeSandbox,
} from './sandbox.js';
