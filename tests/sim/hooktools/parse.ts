// gnuflag-like argument parsing (juju-runtime.md §2.1): flags anywhere, `--` ends flags,
// `--flag value` and `--flag=value`, Go/Python-style bool literals, aliases.
import { usage } from "./context.js";

export interface FlagSpec {
  /** Flags that take a value, by every spelling (e.g. ["-r", "--relation"]). */
  values?: string[][];
  /** Boolean flags, by every spelling. */
  bools?: string[][];
}

export interface ParsedArgs {
  flags: Map<string, string | boolean>;
  positionals: string[];
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Flags are stored under their last (long) spelling. */
export function parseArgs(args: string[], spec: FlagSpec): ParsedArgs {
  const canonical = new Map<string, { name: string; bool: boolean }>();
  for (const names of spec.values ?? []) for (const n of names) canonical.set(n, { name: names[names.length - 1]!, bool: false });
  for (const names of spec.bools ?? []) for (const n of names) canonical.set(n, { name: names[names.length - 1]!, bool: true });
  const flags = new Map<string, string | boolean>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = eq >= 0 ? arg.slice(0, eq) : arg;
    const flag = canonical.get(key);
    if (!flag) throw usage(`option provided but not defined: ${key}`);
    if (flag.bool) {
      if (eq < 0) flags.set(flag.name, true);
      else {
        const text = arg.slice(eq + 1);
        if (TRUE.has(text)) flags.set(flag.name, true);
        else if (FALSE.has(text)) flags.set(flag.name, false);
        else throw usage(`invalid boolean value "${text}" for ${key}`);
      }
    } else if (eq >= 0) flags.set(flag.name, arg.slice(eq + 1));
    else {
      const value = args[i + 1];
      if (value === undefined) throw usage(`flag needs an argument: ${key}`);
      flags.set(flag.name, value);
      i += 1;
    }
  }
  return { flags, positionals };
}


export function flagString(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.flags.get(name);
  return typeof value === "string" ? value : undefined;
}

export function flagBool(parsed: ParsedArgs, name: string): boolean {
  return parsed.flags.get(name) === true;
}

/** `key=value` pairs (relation-set, state-set, action-set); duplicate keys are an error. */
export function parseKeyValues(pairs: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usage(`expected "key=value", got "${pair}"`);
    const key = pair.slice(0, eq);
    if (key in result) throw usage(`key "${key}" specified more than once`);
    result[key] = pair.slice(eq + 1);
  }
  return result;
}
