// The operator's `vault-auth` secret for external-Vault mode, in one of three forms: a token; an
// AppRole pair (role-id, secret-id); or AppRole pull authentication (a worker that may only fetch
// wrapped secret-ids for a runner role, and the runner the charm works as). The AppRole forms take
// an optional approle-mount. Parsed strictly; reasons name fields, never quote their values.

export type ExternalCredentials =
  | { kind: "token"; token: string }
  | { kind: "approle"; roleId: string; secretId: string; mount: string }
  | { kind: "pull"; workerRoleId: string; workerSecretId: string; runnerRole: string; runnerRoleId: string; mount: string };

export type PullCredentials = Extract<ExternalCredentials, { kind: "pull" }>;

export type ParsedCredentials = { ok: true; credentials: ExternalCredentials } | { ok: false; reason: string };

const TOKEN = /^[A-Za-z0-9._-]{8,512}$/;
const APPROLE_ID = /^[A-Za-z0-9-]{8,128}$/;
export const MOUNT = /^[a-z0-9][a-z0-9_-]{0,62}(?:\/[a-z0-9][a-z0-9_-]{0,62}){0,3}$/;
/** AppRole role names: Vault allows letters, digits and `_ - .` (no slash: it is a path segment). */
export const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const APPROLE_FIELDS = ["role-id", "secret-id"];
const PULL_FIELDS = ["worker-role-id", "worker-secret-id", "runner-role", "runner-role-id"];
const KNOWN_FIELDS = new Set(["token", "approle-mount", ...APPROLE_FIELDS, ...PULL_FIELDS]);

const FORMS = "token; or role-id and secret-id; or worker-role-id, worker-secret-id, runner-role and runner-role-id";

export function parseExternalCredentials(content: Record<string, string>): ParsedCredentials {
  const fail = (reason: string): ParsedCredentials => ({ ok: false, reason: `the vault-auth secret ${reason}` });
  const has = (field: string) => content[field] !== undefined;
  const unknown = Object.keys(content).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length) return fail(`has field(s) ${unknown.sort().join(", ")} the charm does not know: it takes ${FORMS}`);
  const forms = [has("token"), APPROLE_FIELDS.some(has), PULL_FIELDS.some(has)].filter(Boolean).length;
  if (forms > 1) return fail(`mixes fields of several forms: keep one of ${FORMS}`);
  const mount = (content["approle-mount"] ?? "approle").trim();

  if (has("token")) {
    if (has("approle-mount")) return fail("has approle-mount, which a token does not use");
    if (!TOKEN.test(content.token!.trim())) return fail("field token is not a Vault token");
    return { ok: true, credentials: { kind: "token", token: content.token!.trim() } };
  }
  if (!MOUNT.test(mount)) return fail("field approle-mount is not a mount path (like approle or team/approle)");
  if (APPROLE_FIELDS.some(has)) {
    const missing = APPROLE_FIELDS.filter((f) => !has(f));
    if (missing.length) return fail(`lacks field ${missing.join(", ")} (role-id and secret-id go together)`);
    for (const field of APPROLE_FIELDS) if (!APPROLE_ID.test(content[field]!.trim())) return fail(`field ${field} is not an AppRole id`);
    return { ok: true, credentials: { kind: "approle", roleId: content["role-id"]!.trim(), secretId: content["secret-id"]!.trim(), mount } };
  }
  if (PULL_FIELDS.some(has)) {
    const missing = PULL_FIELDS.filter((f) => !has(f));
    if (missing.length) return fail(`lacks field(s) ${missing.join(", ")} (pull authentication needs ${PULL_FIELDS.join(", ")})`);
    for (const field of ["worker-role-id", "worker-secret-id", "runner-role-id"]) {
      if (!APPROLE_ID.test(content[field]!.trim())) return fail(`field ${field} is not an AppRole id`);
    }
    if (!ROLE_NAME.test(content["runner-role"]!.trim())) return fail("field runner-role is not an AppRole role name");
    return {
      ok: true,
      credentials: {
        kind: "pull",
        workerRoleId: content["worker-role-id"]!.trim(),
        workerSecretId: content["worker-secret-id"]!.trim(),
        runnerRole: content["runner-role"]!.trim(),
        runnerRoleId: content["runner-role-id"]!.trim(),
        mount,
      },
    };
  }
  return fail(`needs ${FORMS}`);
}
