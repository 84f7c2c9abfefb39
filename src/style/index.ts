/**
 * The persona style vocabulary (design.md, "Persona attributes"): the system prompt every LLM provider
 * gets, the local rule engine, and the checks run on any provider's output. This file is the contract;
 * implementations live beside it.
 */
import type { JsonObject } from '../core/persona.ts';
import { applyLocalStyle } from './engine.ts';

export { checkStyle, type StyleCheck } from './checks.ts';
export { ruleKeys } from './compile.ts';
export { applyLocalStyle } from './engine.ts';
export { compileSystemPrompt } from './prompt.ts';
export { protectedSpans } from './protect.ts';

/** Repairs a provider's output: the local engine run on it, so every check of a set rule passes. */
export function enforceStyle(text: string, attributes: JsonObject): string {
  return applyLocalStyle(text, attributes);
}
