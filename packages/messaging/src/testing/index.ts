export {
  type ChannelConformanceSkip,
  type ChannelHarness,
  describeChannel,
  type ReceivedMessage,
} from './channel-conformance.js';
export { type LocalSmtpServer, startLocalSmtpServer } from './local-smtp-server.js';
export { describeMessageQueue, type MessageQueueHarness } from './queue-conformance.js';
export { describeRateLimiter, type RateLimiterHarness } from './rate-limiter-conformance.js';
export {
  describeMessagingService,
  type MessagingServiceHarness,
  type MessagingServiceSkip,
} from './service-conformance.js';
export { describeMessagingStore, type MessagingStoreHarness } from './store-conformance.js';
