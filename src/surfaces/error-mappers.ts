import type { ErrorMapper } from '../http/error-shape.ts';
import { openAiError } from './openai/errors.ts';
import { ownsPath } from './openai/index.ts';
import { openGiantError } from './opengiant/errors.ts';
import { sunoError } from './suno/errors.ts';
import { tavusError } from './tavus/errors.ts';

/**
 * The error shape of the surface a path belongs to: for the app's error handler, its 404 and 405, and
 * the socket-level answers (408 on a timed-out request) that node:http sends before any route ran. The
 * OpenAI surface shares /v1 with OpenGiant and owns only its own paths; anything else is OpenGiant's.
 */
export function errorMapperFor(path: string): ErrorMapper {
  if (ownsPath(path)) return openAiError;
  if (under(path, '/v2')) return tavusError;
  if (under(path, '/suno')) return sunoError;
  return openGiantError;
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
