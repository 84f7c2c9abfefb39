import type { ErrorMapper } from '../../http/error-shape.ts';

/**
 * The one error body of /suno: `{"code": <HTTP status>, "msg": "...", "error": "<error code>"}` plus
 * `"field"` naming the request field at fault when there is one. Suno resellers answer with varied shapes;
 * `code` + `msg` is the most common among them, `error` is a stable machine-readable reason.
 */
export const sunoError: ErrorMapper = (err) => ({
  status: err.status,
  body: {
    code: err.status,
    msg: err.message,
    error: err.code,
    ...(err.field === undefined ? {} : { field: err.field }),
  },
});
