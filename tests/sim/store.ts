// The model directory: model.json (the controller's state), charms, per-unit charm copies and
// machine roots, logs, hook tools and shims.
import { randomInt, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelState } from "./types.js";

export interface ModelPaths {
  dir: string;
  state: string;
  charms: string;
  units: string;
  logs: string;
  tools: string;
  shims: string;
  socket: string;
}

export function modelPaths(dir: string): ModelPaths {
  return {
    dir,
    state: join(dir, "model.json"),
    charms: join(dir, "charms"),
    units: join(dir, "units"),
    logs: join(dir, "logs"),
    tools: join(dir, "tools"),
    shims: join(dir, "shims"),
    // Unix socket paths are limited to ~107 bytes: keep it short and outside deep trees.
    socket: join("/tmp", `vault-sim-${Buffer.from(dir).toString("base64url").slice(-24)}.sock`),
  };
}

export function newModel(name: string): ModelState {
  return {
    uuid: randomUUID(),
    name,
    clockOffsetMs: 0,
    apps: {},
    units: {},
    relations: [],
    nextRelationId: 0,
    secrets: {},
    queue: [],
    actions: {},
    nextActionId: 1,
    addressPrefix: `127.${randomInt(1, 255)}.${randomInt(0, 256)}.`,
    nextAddressOctet: 2,
  };
}

export function loadModel(paths: ModelPaths): ModelState | null {
  return existsSync(paths.state) ? (JSON.parse(readFileSync(paths.state, "utf8")) as ModelState) : null;
}

export function saveModel(paths: ModelPaths, model: ModelState): void {
  mkdirSync(paths.dir, { recursive: true });
  const temporary = `${paths.state}.tmp`;
  // Secret content lives here (a controller's database is not world-readable either): owner only.
  writeFileSync(temporary, JSON.stringify(model, null, 1), { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, paths.state);
}
