// The secret tools with Juju's ownership, grant, label and revision-tracking rules (§2.3, §2.4).
import { secretSizeLimits } from "../juju-version.js";
import type { SecretState } from "../types.js";
import { appOf, formatOutput, isLeader, ToolError, usage, type HookRuntime } from "./context.js";
import { flagBool, flagString, parseArgs } from "./parse.js";
import { newSecretId, nextRotation, parseContent, parseExpire, parseSecretId, ROTATE_POLICIES, secretUri } from "./secret-content.js";

type Tool = (rt: HookRuntime, args: string[], stdin: string) => string;
const META_FLAGS = [["--label"], ["--description"], ["--expire"], ["--rotate"], ["--owner"], ["--file"]];

function allSecrets(rt: HookRuntime): SecretState[] {
  const removed = new Set(rt.pending.secretRemoves.filter((r) => r.revision === null).map((r) => r.id));
  return [...Object.values(rt.model.secrets), ...rt.pending.secretCreates].filter((s) => !removed.has(s.id));
}

function owns(rt: HookRuntime, s: SecretState): boolean {
  return s.ownerKind === "application" ? s.owner === appOf(rt.info.unit) : s.ownerKind === "unit" && s.owner === rt.info.unit;
}

/**
 * A secret this unit's app or the unit owns, for secret-set/grant/revoke. Leadership is not checked
 * here: Juju buffers these and the secrets facade refuses a non-leader's change to an application
 * secret when the hook commits (context.go doFlush; commit.ts commitRefusal).
 */
function manageable(rt: HookRuntime, rawId: string): SecretState {
  const id = parseSecretId(rawId);
  const secret = allSecrets(rt).find((s) => s.id === id);
  if (!secret || !owns(rt, secret)) throw new ToolError(`secret "${id}" not found`);
  return secret;
}

/** Owner metadata is the leader's alone for app secrets: others get "not found" (secretsmanager GetSecretMetadata). */
function metadataVisible(rt: HookRuntime, s: SecretState): boolean {
  return owns(rt, s) && (s.ownerKind !== "application" || isLeader(rt));
}

function canView(rt: HookRuntime, s: SecretState): boolean {
  if (owns(rt, s)) return true;
  const app = appOf(rt.info.unit);
  return s.grants.some(
    (g) => (g.target === app || g.target === rt.info.unit) && (g.relationId === null || rt.model.relations.some((r) => r.id === g.relationId && r.ends.some((e) => e.app === app))),
  );
}

function ownerLabel(rt: HookRuntime, s: SecretState): string | undefined {
  return rt.pending.secretUpdates[s.id]?.label ?? s.label;
}

function latestContent(rt: HookRuntime, s: SecretState): { revision: number; content: Record<string, string> } {
  const latest = s.revisions[s.revisions.length - 1]!;
  const update = rt.pending.secretUpdates[s.id]?.content;
  return update && owns(rt, s) ? { revision: latest.revision + 1, content: update } : latest;
}

export const secretAdd: Tool = (rt, args, stdin) => {
  const p = parseArgs(args, { values: META_FLAGS });
  const owner = flagString(p, "--owner") ?? "application";
  if (owner !== "application" && owner !== "unit") throw usage(`secret owner "${owner}" not valid`);
  if (owner === "application" && !isLeader(rt)) throw new ToolError("this unit is not the leader");
  const content = parseContent(p.positionals, flagString(p, "--file"), cwdOf(rt), stdin, secretSizeLimits(rt.model));
  if (Object.keys(content).length === 0) throw usage("missing secret value or filename");
  const ownerName = owner === "application" ? appOf(rt.info.unit) : rt.info.unit;
  const label = flagString(p, "--label");
  if (label !== undefined && allSecrets(rt).some((s) => s.owner === ownerName && ownerLabel(rt, s) === label)) {
    throw new ToolError("secret label already exists");
  }
  const now = rt.now();
  const rotate = flagString(p, "--rotate");
  if (rotate !== undefined && !ROTATE_POLICIES.includes(rotate)) throw new ToolError(`rotate policy "${rotate}" not valid`);
  const expire = flagString(p, "--expire");
  const expireAt = expire === undefined ? undefined : parseExpire(expire, now);
  const secret: SecretState = {
    id: newSecretId(),
    ownerKind: owner,
    owner: ownerName,
    ...(label !== undefined ? { label } : {}),
    ...(flagString(p, "--description") !== undefined ? { description: flagString(p, "--description")! } : {}),
    ...(rotate !== undefined ? { rotatePolicy: rotate } : {}),
    ...(rotate !== undefined && nextRotation(rotate, now) ? { nextRotateAt: nextRotation(rotate, now)! } : {}),
    revisions: [{ revision: 1, content, createdAt: now.toISOString(), ...(expireAt ? { expireAt } : {}) }],
    grants: [],
    // Writing is not reading: the owner's units track a revision from their first secret-get.
    tracking: {},
    consumerLabels: {},
  };
  rt.pending.secretCreates.push(secret);
  return `${secretUri(rt.model.uuid, secret.id)}\n`;
};

function cwdOf(rt: HookRuntime): string {
  return rt.cwd ?? rt.model.units[rt.info.unit]!.charmDir;
}

export const secretSet: Tool = (rt, args, stdin) => {
  const p = parseArgs(args, { values: META_FLAGS });
  const [id, ...pairs] = p.positionals;
  if (!id) throw usage("missing secret URI");
  const secret = manageable(rt, id);
  const content = parseContent(pairs, flagString(p, "--file"), cwdOf(rt), stdin, secretSizeLimits(rt.model));
  const update = (rt.pending.secretUpdates[secret.id] ??= {});
  if (Object.keys(content).length > 0) update.content = content;
  const label = flagString(p, "--label");
  if (label !== undefined) {
    if (allSecrets(rt).some((s) => s.id !== secret.id && s.owner === secret.owner && ownerLabel(rt, s) === label)) throw new ToolError("secret label already exists");
    update.label = label;
  }
  const description = flagString(p, "--description");
  if (description !== undefined) update.description = description;
  const rotate = flagString(p, "--rotate");
  if (rotate !== undefined) {
    if (!ROTATE_POLICIES.includes(rotate)) throw new ToolError(`rotate policy "${rotate}" not valid`);
    update.rotatePolicy = rotate;
  }
  const expire = flagString(p, "--expire");
  if (expire !== undefined) update.expireAt = parseExpire(expire, rt.now());
  return "";
};

export const secretGet: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["--label"], ["--format"]], bools: [["--peek"], ["--refresh"]] });
  const peek = flagBool(p, "--peek");
  const refresh = flagBool(p, "--refresh");
  if (peek && refresh) throw usage("specify one of --peek or --refresh but not both");
  const label = flagString(p, "--label");
  const [rawId, keyArg] = p.positionals;
  const maybeId = rawId && !rawId.includes("=") ? rawId : undefined;
  if (!maybeId && label === undefined) throw usage("require either a secret URI or label");
  let secret: SecretState | undefined;
  if (maybeId) {
    const id = parseSecretId(maybeId);
    secret = allSecrets(rt).find((s) => s.id === id);
  } else {
    secret =
      allSecrets(rt).find((s) => owns(rt, s) && ownerLabel(rt, s) === label) ??
      allSecrets(rt).find((s) => (rt.pending.secretConsumerLabels[s.id] ?? s.consumerLabels[rt.info.unit]) === label);
  }
  if (!secret) throw new ToolError(`secret "${maybeId ?? label}" not found`);
  if (!canView(rt, secret)) throw new ToolError("permission denied");
  if (maybeId && label !== undefined && !owns(rt, secret)) rt.pending.secretConsumerLabels[secret.id] = label;

  const latest = latestContent(rt, secret);
  const tracked = rt.pending.secretTracks[secret.id] ?? secret.tracking[rt.info.unit];
  let content: Record<string, string>;
  if (peek || refresh || tracked === undefined) {
    content = latest.content;
    if (!peek) rt.pending.secretTracks[secret.id] = Math.min(latest.revision, secret.revisions[secret.revisions.length - 1]!.revision);
  } else {
    content = secret.revisions.find((r) => r.revision === tracked)?.content ?? latest.content;
  }
  if (keyArg !== undefined) {
    const base64 = keyArg.endsWith("#base64");
    const key = base64 ? keyArg.slice(0, -7) : keyArg;
    const value = content[key];
    if (value === undefined) throw new ToolError(`secret key "${key}" not found`);
    return base64 ? `${value}\n` : formatOutput(Buffer.from(value, "base64").toString(), flagString(p, "--format") ?? "yaml");
  }
  const decoded = Object.fromEntries(Object.entries(content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
  return formatOutput(decoded, flagString(p, "--format") ?? "yaml");
};

export const secretInfoGet: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["--label"], ["--format"]] });
  const label = flagString(p, "--label");
  const [rawId] = p.positionals;
  if ((rawId === undefined) === (label === undefined)) throw usage("specify either a secret URI or label but not both");
  const id = rawId === undefined ? undefined : parseSecretId(rawId);
  const secret = allSecrets(rt).find((s) => metadataVisible(rt, s) && (id ? s.id === id : ownerLabel(rt, s) === label));
  if (!secret) throw new ToolError(`secret "${id ?? label}" not found`);
  const latest = secret.revisions[secret.revisions.length - 1]!;
  // jujuc/secret-info-get.go: label is always in the output, empty when the secret has none.
  const info = {
    revision: latest.revision,
    label: ownerLabel(rt, secret) ?? "",
    owner: secret.ownerKind,
    ...(secret.description ? { description: secret.description } : {}),
    ...(secret.rotatePolicy ? { rotation: secret.rotatePolicy } : {}),
    ...(latest.expireAt ? { expiry: latest.expireAt } : {}),
    ...(secret.nextRotateAt ? { rotates: secret.nextRotateAt } : {}),
  };
  return formatOutput({ [secret.id]: info }, flagString(p, "--format") ?? "yaml");
};

export const secretIds: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["--format"]] });
  const ids = allSecrets(rt).filter((s) => metadataVisible(rt, s)).map((s) => s.id);
  return formatOutput(ids.length ? ids : null, flagString(p, "--format") ?? "yaml");
};

function grantTarget(rt: HookRuntime, relationArg: string | undefined, unit: string | undefined): { relationId: number; target: string } {
  const raw = relationArg ?? (rt.info.relationId === null ? undefined : String(rt.info.relationId));
  if (raw === undefined) throw usage("no relation id specified");
  const id = Number(raw.slice(raw.lastIndexOf(":") + 1));
  const app = appOf(rt.info.unit);
  const rel = rt.model.relations.find((r) => r.id === id && r.ends.some((e) => e.app === app));
  if (!rel) throw usage(`invalid value "${raw}" for flag -r: relation not found`);
  const remote = rel.ends.find((e) => e.app !== app)?.app ?? app;
  if (unit !== undefined && appOf(unit) !== remote) throw new ToolError(`cannot specify unit "${unit}" in relation to application "${remote}"`);
  return { relationId: id, target: unit ?? remote };
}

export const secretGrant: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["-r", "--relation"], ["--unit"]] });
  const [id] = p.positionals;
  if (!id) throw usage("missing secret URI");
  const secret = manageable(rt, id);
  rt.pending.secretGrants.push({ secretId: secret.id, ...grantTarget(rt, flagString(p, "--relation"), flagString(p, "--unit")) });
  return "";
};

export const secretRevoke: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["-r", "--relation"], ["--unit"], ["--app", "--application"]] });
  const [id] = p.positionals;
  if (!id) throw usage("missing secret URI");
  const secret = manageable(rt, id);
  const unit = flagString(p, "--unit");
  const app = flagString(p, "--application");
  const relation = flagString(p, "--relation");
  if (unit && app) throw usage("specify only one of application or unit");
  if (relation && app) throw usage("do not specify both relation and app");
  if (!unit && !app && !relation) throw usage("missing relation or application or unit");
  const relationId = relation === undefined ? null : Number(relation.slice(relation.lastIndexOf(":") + 1));
  rt.pending.secretRevokes.push({ secretId: secret.id, relationId, target: unit ?? app ?? null });
  return "";
};

/**
 * Buffered and never refused here (context.go RemoveSecret): whether the secret exists and this
 * unit may remove it is decided when the hook commits (commit.ts commitRefusal).
 */
export const secretRemove: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["--revision"]] });
  const [id] = p.positionals;
  if (!id) throw usage("missing secret URI");
  const rawRevision = flagString(p, "--revision");
  const revision = rawRevision === undefined ? null : Number(rawRevision);
  if (revision !== null && !(Number.isInteger(revision) && revision > 0)) throw usage(`invalid value "${rawRevision}" for option --revision`);
  rt.pending.secretRemoves.push({ id: parseSecretId(id), revision });
  return "";
};
