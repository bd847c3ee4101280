export {
  RemoteError,
  type RemoteProblem,
  readRemoteProblem,
  remoteProblemToError,
  TimeoutError,
} from './errors.js';
export {
  createHttpClient,
  type HttpAttemptEvent,
  type HttpClient,
  type HttpClientOptions,
  type HttpClientResponse,
  type HttpMethod,
  parseRetryAfter,
  type QueryValue,
  type RequestOptions,
} from './http-client.js';
export {
  createOpenApiClient,
  fillPath,
  type OpenApiCallOptions,
  type OpenApiClient,
  type OpenApiMethod,
  type OperationOf,
  type PathsWithMethod,
  type RequestBodyOf,
  type ResponseOf,
} from './openapi-client.js';
