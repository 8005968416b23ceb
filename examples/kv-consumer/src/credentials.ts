// Asking for Vault KV and turning the provider's answer into a role_id and secret_id, in either
// vault-kv dialect. Only the secret_id is kept, in a 0600 file on the machine, never in Juju.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { networkGet, relationGet, relationRemoteApp, relationSet, relationUnits, secretGet, stateGetAll, stateSet } from "../../../src/juju/index.js";
import { vaultApi } from "./vault-api.js";

export interface KvAccess {
  url: string;
  caPem: string;
  roleId: string;
  secretId: string;
  /** Mount and path prefix this unit writes under; kv version of the mount. */
  mount: string;
  prefix: string;
  kvVersion: 1 | 2;
  address: string;
}

export interface ConsumerConfig {
  dialect: "legacy" | "v0";
  backend: string;
  isolated: boolean;
  mountSuffix: string;
}

const dataDir = () => join(process.env.VAULT_CHARM_SIM_ROOT ?? "/", "var/lib/kv-consumer");
const slug = (unit: string) => unit.replace("/", "-");

function writeIfChanged(relationId: number, values: Record<string, string>, app = false): void {
  const current = relationGet(relationId, app ? process.env.JUJU_UNIT_NAME!.split("/")[0]! : process.env.JUJU_UNIT_NAME!, { app });
  const changed = Object.fromEntries(Object.entries(values).filter(([k, v]) => current[k] !== v));
  relationSet(relationId, changed, { app });
}

export function sendRequest(relationId: number, unit: string, config: ConsumerConfig, isLeader: boolean): void {
  const network = networkGet("vault", relationId);
  if (config.dialect === "legacy") {
    writeIfChanged(relationId, {
      secret_backend: JSON.stringify(config.backend),
      unit_name: JSON.stringify(unit),
      access_address: JSON.stringify(network.ingressAddresses[0] ?? ""),
      hostname: JSON.stringify(slug(unit)),
      isolated: JSON.stringify(config.isolated),
    });
    return;
  }
  let nonce = stateGetAll().nonce;
  if (!nonce) {
    nonce = randomBytes(16).toString("hex");
    stateSet({ nonce });
  }
  writeIfChanged(relationId, { egress_subnet: network.egressSubnets.join(","), nonce });
  if (isLeader) writeIfChanged(relationId, { mount_suffix: config.mountSuffix }, true);
}

/** The secret_id from a legacy wrapping token, unwrapped once per token (the file remembers which). */
async function legacySecretId(url: string, caPem: string, address: string, token: string): Promise<string> {
  const file = join(dataDir(), "secret-id");
  const tokenMark = join(dataDir(), "token-id");
  const mark = token.slice(-8);
  if (existsSync(file) && existsSync(tokenMark) && readFileSync(tokenMark, "utf8") === mark) return readFileSync(file, "utf8");
  // The wrapping token is the client token of its own unwrap.
  const unwrapped = (await vaultApi({ url, caPem, address }, token).unwrap()) as { data?: { secret_id?: unknown } };
  const secretId = String(unwrapped.data?.secret_id ?? "");
  mkdirSync(dataDir(), { recursive: true, mode: 0o700 });
  writeFileSync(file, secretId, { mode: 0o600 });
  writeFileSync(tokenMark, mark, { mode: 0o600 });
  return secretId;
}

/**
 * What the provider offers this unit, as candidates to try in turn. Legacy: one per vault unit whose
 * databag names this unit (normally the leader's alone; after a leader change an old one may linger
 * until that unit clears it, so try each, as charm-helpers does). v0: the one granted secret.
 */
export async function readAccess(relationId: number, unit: string, config: ConsumerConfig, refresh: boolean): Promise<KvAccess[]> {
  const address = networkGet("vault", relationId).ingressAddresses[0] ?? "";
  if (config.dialect === "legacy") {
    const offers: KvAccess[] = [];
    for (const remote of relationUnits(relationId)) {
      const bag = relationGet(relationId, remote);
      const roleId = bag[`${unit}_role_id`];
      const token = bag[`${unit}_token`];
      if (!roleId || !token || !bag.vault_url) continue;
      const url = JSON.parse(bag.vault_url) as string;
      const caPem = Buffer.from(JSON.parse(bag.vault_ca ?? '""') as string, "base64").toString();
      let secretId: string;
      try {
        secretId = await legacySecretId(url, caPem, address, JSON.parse(token) as string);
      } catch {
        continue; // a token already unwrapped (a stale one): another unit's may be current
      }
      const mount = config.backend;
      offers.push({ url, caPem, roleId: JSON.parse(roleId) as string, secretId, mount, prefix: config.isolated ? `${slug(unit)}/` : "", kvVersion: 1, address });
    }
    return offers;
  }
  const remoteApp = relationRemoteApp(relationId);
  const bag = remoteApp ? relationGet(relationId, remoteApp, { app: true }) : {};
  const nonce = stateGetAll().nonce;
  const secretUri = nonce && bag.credentials ? (JSON.parse(bag.credentials) as Record<string, string>)[nonce] : undefined;
  if (!secretUri || !bag.vault_url || !bag.mount) return [];
  const content = secretGet({ id: secretUri, refresh });
  if (!content["role-id"] || !content["role-secret-id"]) return [];
  return [{ url: bag.vault_url, caPem: bag.ca_certificate ?? "", roleId: content["role-id"], secretId: content["role-secret-id"], mount: bag.mount, prefix: `${slug(unit)}/`, kvVersion: 2, address }];
}
