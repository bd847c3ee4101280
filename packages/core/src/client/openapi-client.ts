import type { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import type {
  HttpClient,
  HttpClientResponse,
  HttpMethod,
  QueryValue,
  RequestOptions,
} from './http-client.js';

/**
 * Types for calling an API described by openapi-typescript's output (`export interface paths`).
 * Only the shapes we read are assumed: `paths[path][method]` is an operation with optional
 * `parameters.path` / `parameters.query`, an optional `requestBody.content['application/json']`,
 * and `responses[2xx].content[<media type>]`.
 */
export type OpenApiMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch';

/** Paths of `Paths` that have an operation for `Method`. */
export type PathsWithMethod<Paths, Method extends OpenApiMethod> = {
  [Path in keyof Paths]: Method extends keyof Paths[Path]
    ? undefined extends Paths[Path][Method]
      ? never
      : Path
    : never;
}[keyof Paths];

/** The operation object at `Paths[Path][Method]`. */
export type OperationOf<
  Paths,
  Path extends keyof Paths,
  Method extends OpenApiMethod,
> = Method extends keyof Paths[Path] ? NonNullable<Paths[Path][Method]> : never;

type IsNever<T> = [T] extends [never] ? true : false;
type ParametersOf<Operation> = Operation extends { parameters: infer Parameters }
  ? Parameters
  : Record<string, never>;
type PathParametersOf<Operation> =
  ParametersOf<Operation> extends { path?: infer Path } ? NonNullable<Path> : never;
type QueryParametersOf<Operation> =
  ParametersOf<Operation> extends { query?: infer Query } ? NonNullable<Query> : never;
type JsonContent<Holder> =
  IsNever<Holder> extends true
    ? never
    : Holder extends { content: { 'application/json': infer Json } }
      ? Json
      : Holder extends { content: Record<string, infer Other> }
        ? Other
        : undefined;

/** The JSON request body of an operation (`never` when it takes none). */
export type RequestBodyOf<Operation> = Operation extends { requestBody?: infer Body }
  ? JsonContent<NonNullable<Body>>
  : never;

type SuccessStatus =
  | 200
  | 201
  | 202
  | 203
  | 204
  | 206
  | '200'
  | '201'
  | '202'
  | '203'
  | '204'
  | '206'
  | '2XX';

/** The union of an operation's success (2xx) bodies; `unknown` when the spec lists none. */
export type ResponseOf<Operation> = Operation extends { responses: infer Responses }
  ? IsNever<keyof Responses & SuccessStatus> extends true
    ? unknown
    : {
        [Status in keyof Responses & SuccessStatus]: JsonContent<Responses[Status]>;
      }[keyof Responses & SuccessStatus]
  : unknown;

type PathPart<Operation> =
  IsNever<PathParametersOf<Operation>> extends true
    ? { params?: undefined }
    : { params: { [Name in keyof PathParametersOf<Operation>]: string | number } };
type QueryPart<Operation> =
  IsNever<QueryParametersOf<Operation>> extends true
    ? { query?: undefined }
    : { query?: QueryParametersOf<Operation> & Record<string, QueryValue | readonly QueryValue[]> };
type BodyPart<Operation> =
  IsNever<RequestBodyOf<Operation>> extends true
    ? { body?: undefined }
    : Operation extends { requestBody: unknown }
      ? { body: RequestBodyOf<Operation> }
      : { body?: RequestBodyOf<Operation> };

/** Options of one typed call: the path's parameters, the query, the body, and the usual request options. */
export type OpenApiCallOptions<Operation, Result> = PathPart<Operation> &
  QueryPart<Operation> &
  BodyPart<Operation> &
  Omit<RequestOptions<Result>, 'method' | 'path' | 'query' | 'body' | 'schema'> & {
    /** Validates the body at run time (types alone do not check what a remote sends). */
    schema?: z.ZodType<Result>;
  };

export interface OpenApiClient<Paths> {
  /**
   * Calls `method path` with the parameter, query, body and response types of the spec.
   * Errors as {@link HttpClient.request}.
   */
  call<
    Method extends OpenApiMethod,
    Path extends PathsWithMethod<Paths, Method>,
    Result = ResponseOf<OperationOf<Paths, Path, Method>>,
  >(
    method: Method,
    path: Path,
    ...options: {} extends OpenApiCallOptions<OperationOf<Paths, Path, Method>, Result>
      ? [options?: OpenApiCallOptions<OperationOf<Paths, Path, Method>, Result>]
      : [options: OpenApiCallOptions<OperationOf<Paths, Path, Method>, Result>]
  ): Promise<Result>;
  /** Like `call`, with status, headers and attempt count. */
  send<
    Method extends OpenApiMethod,
    Path extends PathsWithMethod<Paths, Method>,
    Result = ResponseOf<OperationOf<Paths, Path, Method>>,
  >(
    method: Method,
    path: Path,
    ...options: {} extends OpenApiCallOptions<OperationOf<Paths, Path, Method>, Result>
      ? [options?: OpenApiCallOptions<OperationOf<Paths, Path, Method>, Result>]
      : [options: OpenApiCallOptions<OperationOf<Paths, Path, Method>, Result>]
  ): Promise<HttpClientResponse<Result>>;
}

/** Fills `{name}` segments of a path template, percent-encoding each value. */
export function fillPath(
  template: string,
  params: Record<string, string | number> | undefined,
): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === '') {
      throw new ConfigurationError(`[core/client] path parameter '${name}' is missing`);
    }
    return encodeURIComponent(String(value));
  });
}

/**
 * Wraps an {@link HttpClient} with the types openapi-typescript generated for an API, so a
 * remote adapter's calls are checked against the spec (paths, methods, parameters, bodies,
 * responses). Pass a lenient `schema` to also check responses at run time.
 *
 * @example
 * import type { paths } from './generated/consent.js';
 * const api = createOpenApiClient<paths>(createHttpClient({ baseUrl }));
 * const { dataAgreement } = await api.call('get', '/config/data-agreement/{dataAgreementId}/', {
 *   params: { dataAgreementId: id },
 * });
 */
export function createOpenApiClient<Paths>(client: HttpClient): OpenApiClient<Paths> {
  const toRequest = (
    method: string,
    path: string,
    options: Record<string, unknown> = {},
  ): RequestOptions<never> => {
    const { params, ...rest } = options as { params?: Record<string, string | number> } & Record<
      string,
      unknown
    >;
    return {
      ...(rest as Omit<RequestOptions<never>, 'method' | 'path'>),
      method: method.toUpperCase() as HttpMethod,
      path: fillPath(path, params),
    };
  };
  return {
    call: ((method: string, path: string, options?: Record<string, unknown>) =>
      client.request(toRequest(method, path, options))) as OpenApiClient<Paths>['call'],
    send: ((method: string, path: string, options?: Record<string, unknown>) =>
      client.send(toRequest(method, path, options))) as OpenApiClient<Paths>['send'],
  };
}
