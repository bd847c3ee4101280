export { type Actor, type ActorContext, actorSchema, hasRole, systemActor } from './actor.js';
export {
  type AuditEventInput,
  type AuditSink,
  auditEventInputSchema,
  type MemoryAuditSink,
  memoryAuditSink,
} from './audit-sink.js';
export { canonicalJson } from './canonical-json.js';
export { type Clock, type ManualClock, manualClock, systemClock } from './clock.js';
export {
  AdapterError,
  ConfigurationError,
  ConflictError,
  type CoreErrorCode,
  callAdapter,
  ForbiddenError,
  GovBlocksError,
  type GovBlocksErrorOptions,
  isGovBlocksError,
  NotFoundError,
  type ProblemDetails,
  type ProblemFieldError,
  RateLimitedError,
  toGovBlocksError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from './errors.js';
export {
  type BeginResult,
  hashRequest,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  type IdempotencyStore,
  type IdempotentOptions,
  type IdempotentResult,
  memoryIdempotencyStore,
  runIdempotent,
} from './idempotency.js';
export { type IdGenerator, isUuid, newId, uuidv7Generator, uuidv7Time } from './ids.js';
export {
  addMoney,
  allocateMoney,
  compareMoney,
  currencyExponent,
  currencySchema,
  formatMoney,
  formatMoneyLocale,
  isCurrency,
  type Money,
  money,
  moneySchema,
  parseMoney,
  subtractMoney,
  sumMoney,
} from './money.js';
export { fieldErrors, parse, toPointer } from './validation.js';
