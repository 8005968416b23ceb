// kv-consumer: an example charm that uses the vault charm's vault-kv relation. Every hook it asks
// for access, logs in from its own address with what it got, and round-trips a value; the put and
// get actions read and write through the same session. It talks to Vault through node-vault
// (vault-api.ts), not through the vault charm's own client.
import { actionFail, actionGet, actionSet, createLogger, getConfig, isLeader, readJujuContext, relationIds, setUnitStatus } from "../../../src/juju/index.js";
import { readAccess, sendRequest, type ConsumerConfig, type KvAccess } from "./credentials.js";
import { isNotFound, vaultApi, waitingFor, type VaultApi } from "./vault-api.js";

const log = createLogger();

function readConfig(): ConsumerConfig {
  const raw = getConfig();
  return {
    dialect: raw.dialect === "legacy" ? "legacy" : "v0",
    backend: typeof raw.backend === "string" ? raw.backend : "charm-kv-consumer",
    isolated: raw.isolated !== false,
    mountSuffix: typeof raw["mount-suffix"] === "string" ? raw["mount-suffix"] : "demo",
  };
}

/** Logs in with the first offer that works; the credentials it used come back with the session. */
async function session(offers: KvAccess[]): Promise<{ vault: VaultApi; access: KvAccess }> {
  let failure: unknown;
  for (const access of offers) {
    const vault = vaultApi(access);
    try {
      // node-vault keeps the token the login returns for the client's later requests.
      await vault.approleLogin({ role_id: access.roleId, secret_id: access.secretId });
      return { vault, access };
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

/** The API path of a key: KV v2 keeps secrets under `data/` and wraps them in `{ data }`. */
const kvPath = (access: KvAccess, key: string) => `${access.mount}/${access.kvVersion === 2 ? "data/" : ""}${access.prefix}${key}`;

async function write(vault: VaultApi, access: KvAccess, key: string, value: string): Promise<void> {
  await vault.write(kvPath(access, key), access.kvVersion === 2 ? { data: { value } } : { value });
}

async function read(vault: VaultApi, access: KvAccess, key: string): Promise<string | null> {
  let answer: { data?: { value?: unknown; data?: { value?: unknown } } };
  try {
    answer = (await vault.read(kvPath(access, key))) as typeof answer;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const value = access.kvVersion === 2 ? answer.data?.data?.value : answer.data?.value;
  return typeof value === "string" ? value : null;
}

async function main(): Promise<number> {
  const juju = readJujuContext();
  const config = readConfig();
  const relationId = relationIds("vault")[0];
  const action = juju.dispatchPath.startsWith("actions/") ? juju.dispatchPath.slice("actions/".length) : null;
  if (relationId === undefined) {
    if (action) actionFail("no vault relation yet: juju integrate kv-consumer vault");
    setUnitStatus("blocked", "Waiting for a vault relation: juju integrate kv-consumer vault");
    return 0;
  }
  sendRequest(relationId, juju.unitName, config, isLeader());
  try {
    return await useVault(relationId, juju.unitName, juju.dispatchPath, config, action);
  } catch (error) {
    // A sealed, restarting or unreachable Vault is something to wait for, not a failed hook: the
    // vault charm unseals it and a later hook (update-status at the latest) finds it serving.
    const why = waitingFor(error);
    if (!why) throw error;
    log.warn(`kv-consumer: ${error instanceof Error ? error.message : String(error)}`);
    if (action) actionFail(`${why}: try again once juju status shows the vault units active`);
    setUnitStatus("waiting", `Waiting for Vault: ${why}`);
    return 0;
  }
}

async function useVault(relationId: number, unitName: string, dispatchPath: string, config: ConsumerConfig, action: string | null): Promise<number> {
  const juju = { unitName, dispatchPath };
  const offers = await readAccess(relationId, juju.unitName, config, juju.dispatchPath === "hooks/secret-changed");
  if (offers.length === 0) {
    if (action) actionFail("no Vault credentials yet: see juju status");
    setUnitStatus("waiting", `Waiting for Vault credentials (${config.dialect})`);
    return 0;
  }
  const { vault, access } = await session(offers);
  try {
    if (action === "put") {
      const params = actionGet();
      await write(vault, access, String(params.key), String(params.value));
      actionSet({ written: `${access.mount}/${access.prefix}${String(params.key)}` });
    } else if (action === "get") {
      const value = await read(vault, access, String(actionGet().key));
      if (value === null) actionFail("no such key");
      else actionSet({ value });
    }
    await write(vault, access, "heartbeat", `${juju.unitName} at ${new Date().toISOString()}`);
    const ok = (await read(vault, access, "heartbeat"))?.startsWith(juju.unitName);
    setUnitStatus(ok ? "active" : "blocked", ok ? `Vault KV round trip ok: ${access.mount}/${access.prefix}heartbeat` : "Vault KV read-back did not match");
  } finally {
    await vault.tokenRevokeSelf().catch(() => undefined);
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  log.error(`kv-consumer: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
