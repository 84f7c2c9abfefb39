import type { ErrorMapper } from '../../http/error-shape.ts';

/** OpenGiant's `Error` schema: `{"error": <HTTP status>, "message": "..."}`. */
export const openGiantError: ErrorMapper = (err) => ({
  status: err.status,
  body: { error: err.status, message: err.message },
});
