// kv-consumer: an example charm that uses the vault charm's vault-kv relation. Every hook it asks
// for access, logs in from its own address with what it got, and round-trips a value; the put and
// get actions read and write through the same session.
import { actionFail, actionGet, actionSet, createLogger, getConfig, isLeader, readJujuContext, relationIds, setUnitStatus } from "../../../src/juju/index.js";
import { login } from "../../../src/vault/approle.js";
import { VaultClient } from "../../../src/vault/client.js";
import { VaultSealedError, VaultUnreachableError } from "../../../src/vault/errors.js";
import { kv1, kv2 } from "../../../src/vault/kv.js";
import { revokeSelf } from "../../../src/vault/sys.js";
import { readAccess, sendRequest, type ConsumerConfig, type KvAccess } from "./credentials.js";

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
async function session(offers: KvAccess[]): Promise<{ vault: VaultClient; access: KvAccess }> {
  let failure: unknown;
  for (const access of offers) {
    const anonymous = new VaultClient({ url: access.url, caPem: access.caPem, localAddress: access.address });
    try {
      return { vault: anonymous.withToken((await login(anonymous, "approle", access.roleId, access.secretId)).token), access };
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

async function write(vault: VaultClient, access: KvAccess, key: string, value: string): Promise<void> {
  const path = `${access.prefix}${key}`;
  if (access.kvVersion === 1) await kv1.write(vault, access.mount, path, { value });
  else await kv2.write(vault, access.mount, path, { value });
}

async function read(vault: VaultClient, access: KvAccess, key: string): Promise<string | null> {
  const path = `${access.prefix}${key}`;
  const found = access.kvVersion === 1 ? await kv1.read(vault, access.mount, path) : (await kv2.read(vault, access.mount, path))?.data;
  return found && typeof found.value === "string" ? found.value : null;
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
    const why = error instanceof VaultSealedError ? "Vault is sealed" : error instanceof VaultUnreachableError ? "Vault does not answer" : null;
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
    await revokeSelf(vault).catch(() => undefined);
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  log.error(`kv-consumer: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
