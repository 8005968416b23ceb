// The charm's YAML files parse, document everything, and agree with the code that reads them:
// a typo here would only show up on a real controller.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../src/config.js";
import { CHARM_ENDPOINTS } from "../../src/hook.js";
import { loadCharmSpec } from "../sim/charm-spec.js";
import { projectRoot } from "../sim/paths.js";

const root = projectRoot();
const spec = loadCharmSpec(root);

describe("charm files", () => {
  it("declare the endpoints of the whole mission with the interfaces consumers expect", () => {
    expect(spec.meta.name).toBe("vault");
    expect(spec.meta.provides).toEqual({ secrets: { interface: "vault-kv" }, "vault-kv": { interface: "vault-kv" } });
    expect(spec.meta.requires.etcd).toMatchObject({ interface: "etcd_client" });
    expect(Object.keys(spec.meta.peers)).toEqual(["vault-peers"]);
    const all = [...Object.keys(spec.meta.provides), ...Object.keys(spec.meta.requires), ...Object.keys(spec.meta.peers)];
    expect(new Set(all)).toEqual(CHARM_ENDPOINTS);
  });

  it("document every option in kebab-case, and the defaults pass the charm's own validation", () => {
    for (const [name, option] of Object.entries(spec.config)) {
      expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(option.description, name).toBeTruthy();
      expect(["string", "int", "float", "boolean", "secret"]).toContain(option.type);
    }
    const defaults = Object.fromEntries(Object.entries(spec.config).filter(([, o]) => o.default !== undefined).map(([k, o]) => [k, o.default]));
    expect(parseConfig(defaults).problems).toEqual([]);
  });

  it("document every action and its parameters", () => {
    for (const [name, action] of Object.entries(spec.actions)) {
      expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(action.description, name).toBeTruthy();
      for (const [param, schema] of Object.entries(action.params ?? {})) expect(schema.description, `${name}.${param}`).toBeTruthy();
    }
  });

  it("build for Ubuntu 24.04 on amd64 and arm64", () => {
    const charmcraft = parse(readFileSync(join(root, "charmcraft.yaml"), "utf8")) as { type: string; base: string; platforms: Record<string, unknown> };
    expect(charmcraft.type).toBe("charm");
    expect(charmcraft.base).toBe("ubuntu@24.04");
    expect(Object.keys(charmcraft.platforms).sort()).toEqual(["amd64", "arm64"]);
  });

  it("end dispatch with an exec of an executable by literal relative path (charmcraft's entrypoint check)", () => {
    const lines = readFileSync(join(root, "dispatch"), "utf8").trim().split("\n");
    expect(lines[0]).toBe("#!/bin/sh");
    expect(lines.at(-1)!.split(/\s+/).at(-1)).toBe("./dist/charm.mjs");
  });
});
