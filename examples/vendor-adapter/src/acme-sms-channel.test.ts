import { describeChannel } from '@govblocks/messaging/testing';
import { acmeSmsChannel } from './acme-sms-channel.js';
import { type AcmeSandbox, refusedNumber, startAcmeSandbox } from './sandbox.js';

// The SDK's published Channel kit, against our sandbox: delivery read back at the provider,
// the idempotency key carried, permanent and temporary failures typed, no recipient in errors.
let sandbox: AcmeSandbox;
describeChannel('AcmeSMS', {
  async setup() {
    sandbox = await startAcmeSandbox();
    return acmeSmsChannel({ baseUrl: sandbox.baseUrl, apiKey: sandbox.apiKey });
  },
  async received() {
    return sandbox
      .takeSms()
      .map((sms) => ({ to: sms.to, text: sms.text, idempotencyMark: sms.idempotencyKey }));
  },
  recipient: '+221770000001',
  refusedRecipient: refusedNumber,
  failNextTemporarily: () => sandbox.failNext(),
  teardown: () => sandbox.close(),
});
