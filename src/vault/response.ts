// Small guards that turn Vault's JSON into typed values, failing loudly (without echoing values)
// when a response does not have the shape Vault documents.
import type { Json, JsonObject } from "./client.js";
import { VaultError } from "./errors.js";

export class VaultResponseError extends VaultError {}

export function obj(value: Json | undefined, what: string): JsonObject {
  if (value && typeof value === "object" && !Array.isArray(value)) return value;
  throw new VaultResponseError(`${what}: expected an object`);
}

export function str(value: Json | undefined, what: string): string {
  if (typeof value === "string") return value;
  throw new VaultResponseError(`${what}: expected a string`);
}

export function num(value: Json | undefined, what: string): number {
  if (typeof value === "number") return value;
  throw new VaultResponseError(`${what}: expected a number`);
}

export function bool(value: Json | undefined, what: string): boolean {
  if (typeof value === "boolean") return value;
  throw new VaultResponseError(`${what}: expected a boolean`);
}

export function strings(value: Json | undefined, what: string): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  throw new VaultResponseError(`${what}: expected a list of strings`);
}

/** `data` of a standard Vault response. */
export function data(response: JsonObject, what: string): JsonObject {
  return obj(response.data, `${what}.data`);
}

/** The wrapping token of a response-wrapped answer. */
export function wrapToken(response: JsonObject, what: string): { token: string; accessor: string; ttl: number } {
  const info = obj(response.wrap_info, `${what}.wrap_info`);
  return { token: str(info.token, "wrap_info.token"), accessor: str(info.accessor, "wrap_info.accessor"), ttl: num(info.ttl, "wrap_info.ttl") };
}
