export {
  RemoteError,
  type RemoteProblem,
  readRemoteProblem,
  remoteProblemToError,
  TimeoutError,
} from './errors.js';
export {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpClientResponse,
  type HttpMethod,
  parseRetryAfter,
  type QueryValue,
  type RequestOptions,
} from './http-client.js';
