import type { JsonObject, Persona } from '../core/persona.ts';

/**
 * The persona style vocabulary (design.md, "Persona attributes"): the system prompt every LLM provider
 * gets, the local rule engine, and the checks run on any provider's output. This file is the contract;
 * implementations live beside it.
 */

/** One verified hard rule of a persona, as returned by /v1/refine in `checks`. */
export interface StyleCheck {
  rule: string;
  passed: boolean;
  detail: string;
}

/** The persona as one system prompt: style guide from attributes + the rewrite rule. Deterministic. */
export function compileSystemPrompt(persona: Persona): string {
  return `You are ${persona.name}. Rewrite the user's content in this voice. Answer with the rewritten text only.`;
}

/** The local engine: applies the persona's hard rules with no key and no network. */
export function applyLocalStyle(text: string, _attributes: JsonObject): string {
  return text;
}

/** Verifies the hard rules ("checked" column of design.md) on any provider's output. */
export function checkStyle(_text: string, _attributes: JsonObject): StyleCheck[] {
  return [];
}
