// Reading a charm's metadata.yaml, config.yaml and actions.yaml into a CharmSpec.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { ActionSpec, CharmSpec, ConfigOption } from "./types.js";

function readYaml(path: string): Record<string, unknown> {
  return existsSync(path) ? ((parse(readFileSync(path, "utf8")) as Record<string, unknown> | null) ?? {}) : {};
}

function endpoints(raw: unknown): Record<string, { interface: string; limit?: number }> {
  const result: Record<string, { interface: string; limit?: number }> = {};
  for (const [name, value] of Object.entries((raw as Record<string, { interface?: string; limit?: number }>) ?? {})) {
    if (!value?.interface) throw new Error(`endpoint ${name} has no interface`);
    result[name] = { interface: value.interface, ...(value.limit ? { limit: value.limit } : {}) };
  }
  return result;
}

export function loadCharmSpec(dir: string): CharmSpec {
  if (!existsSync(join(dir, "metadata.yaml"))) throw new Error(`${dir} has no metadata.yaml: not a charm`);
  // Juju runs `dispatch` when the charm has one, else hooks/<name> (older charms): one is needed.
  if (!existsSync(join(dir, "dispatch")) && !existsSync(join(dir, "hooks"))) throw new Error(`${dir} has neither dispatch nor hooks/: not a charm`);
  const meta = readYaml(join(dir, "metadata.yaml"));
  const config = (readYaml(join(dir, "config.yaml")).options ?? {}) as Record<string, ConfigOption>;
  return {
    dir,
    meta: {
      name: String(meta.name),
      provides: endpoints(meta.provides),
      requires: endpoints(meta.requires),
      peers: endpoints(meta.peers),
    },
    config,
    actions: readYaml(join(dir, "actions.yaml")) as Record<string, ActionSpec>,
  };
}
