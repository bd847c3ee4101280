/** The name of this block, as it appears in audit events and CLI commands. */
export const blockName = 'messaging' as const;

export {
  type CircuitBreakerOptions,
  type FailoverChannel,
  type FailoverChannelOptions,
  failoverChannel,
} from './channels/failover-channel.js';
export {
  type HttpSmsChannelOptions,
  httpSmsChannel,
  type SmsProviderRequest,
} from './channels/http-sms-channel.js';
export {
  consoleChannel,
  type MemoryChannel,
  type MemoryChannelOptions,
  memoryChannel,
} from './channels/memory-channel.js';
export {
  type CallbackOptions,
  type StatusCallback,
  signatureHeader,
  signCallback,
  verifyCallbackSignature,
} from './engine/callbacks.js';
export {
  createMessagingService,
  type MessagingEngine,
  type MessagingServiceOptions,
  type ProcessResult,
  type RetryPolicy,
  type Worker,
  type WorkerOptions,
} from './engine/create-messaging-service.js';
export {
  type MemoryMessageQueue,
  type MemoryMessageQueueOptions,
  memoryMessageQueue,
} from './engine/memory-queue.js';
export { memoryMessagingStore } from './engine/memory-store.js';
export {
  ChannelError,
  MessagingError,
  type MessagingErrorCode,
  MissingPersonalisationError,
} from './errors.js';
export type {
  AttemptOutcome,
  Channel,
  ChannelReceipt,
  ClaimedMessage,
  MessageQueue,
  MessagingCapabilities,
  MessagingService,
  MessagingStore,
  NewMessage,
  OutgoingMessage,
  PendingPublication,
  QueueDelivery,
  QueuePublication,
  StoredBatch,
  StoredTemplate,
} from './ports.js';
export {
  memoryRateLimiter,
  type RateDecision,
  type RateLimit,
  type RateLimitedChannelOptions,
  type RateLimiter,
  rateLimitedChannel,
  rateWindow,
} from './rate-limit.js';
export {
  type AuditSubject,
  auditSubjectSchema,
  type BatchReceipt,
  type BatchRecipient,
  type BatchSpec,
  type BatchStatus,
  batchReceiptSchema,
  batchRecipientSchema,
  batchSpecSchema,
  batchStatusSchema,
  type ChannelKind,
  channelKindSchema,
  type DeliveryError,
  deliveryErrorSchema,
  directContentSchema,
  emailAddressSchema,
  idempotencyKeySchema,
  languageSchema,
  type Message,
  type MessageStatus,
  messageSchema,
  messageStatuses,
  messageStatusSchema,
  type Preview,
  type PreviewInput,
  personalisationSchema,
  phoneNumberSchema,
  previewInputSchema,
  previewSchema,
  type RenderedContent,
  renderedContentSchema,
  type SendInput,
  type StatusCounts,
  senderSchema,
  sendInputSchema,
  smsInfoSchema,
  type Template,
  type TemplateContent,
  type TemplateInput,
  type TemplateReference,
  templateContentSchema,
  templateInputSchema,
  templateReferenceSchema,
  templateSchema,
  type Warning,
  warningSchema,
} from './schemas.js';
export {
  gsmSeptets,
  isGsm7,
  type SmsEncoding,
  type SmsInfo,
  type SmsWarning,
  smsInfo,
  smsWarnings,
} from './sms.js';
export {
  escapeHtml,
  missingPersonalisation,
  type Personalisation,
  placeholders,
  renderText,
} from './template.js';
