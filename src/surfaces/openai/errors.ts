import type { AppError, ErrorCode } from '../../core/errors.ts';
import type { ErrorMapper } from '../../http/error-shape.ts';

/**
 * OpenAI's error body, `{"error": {"message", "type", "param", "code"}}`, with OpenAI's statuses, so
 * every OpenAI client raises its usual exception classes (AuthenticationError, NotFoundError,
 * RateLimitError…). `param` is the request field at fault; `code` a stable machine name.
 */

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const typeOf: Partial<Record<ErrorCode, string>> = {
  unauthorized: 'invalid_request_error',
  forbidden: 'permission_error',
  rate_limited: 'requests',
  internal: 'server_error',
  not_implemented: 'server_error',
  upstream_failed: 'server_error',
  unavailable: 'server_error',
  upstream_timeout: 'timeout',
};

const codeOf: Partial<Record<ErrorCode, string>> = {
  unauthorized: 'invalid_api_key',
  rate_limited: 'rate_limit_exceeded',
  payload_too_large: 'request_too_large',
  unsupported_media_type: 'unsupported_media_type',
  method_not_allowed: 'method_not_allowed',
  not_implemented: 'not_implemented',
  upstream_failed: 'upstream_error',
  upstream_timeout: 'upstream_timeout',
  unavailable: 'service_unavailable',
};

/** A persona that is not the caller's, or not at all: OpenAI's unknown-model error. */
export const MODEL_NOT_FOUND = 'model_not_found';

export const openAiErrorBody = (err: AppError): OpenAiErrorBody => {
  const modelNotFound = err.code === 'not_found' && err.field === 'model';
  return {
    error: {
      message: err.message,
      type: typeOf[err.code] ?? 'invalid_request_error',
      // OpenAI names no param on its unknown-model error.
      param: modelNotFound ? null : (err.field ?? null),
      code: modelNotFound ? MODEL_NOT_FOUND : (codeOf[err.code] ?? null),
    },
  };
};

export const openAiError: ErrorMapper = (err) => ({ status: err.status, body: openAiErrorBody(err) });
