// `vault-charm demo`: the charm's life in an embedded simulated model on a real Vault server, step
// by step, with what an operator would type on the left and what happened on the right.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sim } from "./controller.js";
import { formatStatus } from "./format.js";
import { projectRoot } from "./paths.js";
import type { HookRun } from "./runner.js";
import { findWorkloadBinary } from "./workload-binary.js";

export interface DemoOptions {
  keep: boolean;
  implementation?: "vault" | "openbao";
  out?: (line: string) => void;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const step = (n: number, text: string, command: string) => out(`\n── ${n}. ${text}\n   $ ${command}`);
  const onHook = (run: HookRun) =>
    out(`     ${run.exitCode === 0 ? "✓" : "✗"} ${run.unit} ${run.name} (${run.durationMs.toFixed(0)} ms, ${run.toolCalls.length} hook-tool calls)`);

  out("Finding a Vault server binary (installs OpenBao into the cache on first use)...");
  const server = findWorkloadBinary(options.implementation);
  out(`Using ${server.implementation === "vault" ? "HashiCorp Vault" : "OpenBao"}: ${server.path}`);
  const dir = mkdtempSync(join(tmpdir(), "vault-charm-demo-"));
  const sim = await Sim.open(dir, { vaultBinary: server.path, onHook });
  try {
    step(1, "Deploy the charm: it installs Vault, creates its CA, issues the unit's certificate, starts Vault", "juju deploy ./vault.charm vault");
    await sim.deploy(projectRoot(), { app: "vault" });
    out(formatStatus(sim.model));

    step(2, "Initialise Vault: the shares and root token are returned once and stored nowhere", "juju run vault/0 initialize key-shares=3 key-threshold=2");
    const init = await sim.runAction("vault/0", "initialize", { "key-shares": 3, "key-threshold": 2 });
    if (init.status !== "completed") throw new Error(`initialize failed: ${init.message ?? ""}`);
    const shares = String(init.results["unseal-keys"]).split(",");
    const rootToken = String(init.results["root-token"]);
    out(`   received ${shares.length} unseal shares and a root token (not printed here)`);

    step(3, "Give the charm two shares in a user secret: every unit unseals itself after any restart", "juju add-secret vault-unseal keys=…; juju grant-secret vault-unseal vault; juju config vault unseal-keys=<uri>");
    const unsealUri = sim.addSecret("vault-unseal", { keys: shares.slice(0, 2).join(",") });
    sim.grantSecret("vault-unseal", "vault");
    await sim.setConfig("vault", { "unseal-keys": unsealUri });
    out(`   ${sim.unit("vault/0").status.message}`);

    step(4, "Authorise the charm with a one-off token: it creates its own least-privilege AppRole", "juju add-secret vault-token token=…; juju grant-secret vault-token vault; juju run vault/0 authorize-charm secret-id=<uri>");
    const tokenUri = sim.addSecret("vault-token", { token: rootToken });
    sim.grantSecret("vault-token", "vault");
    const authorise = await sim.runAction("vault/0", "authorize-charm", { "secret-id": tokenUri });
    out(`   authorize-charm: ${authorise.status}${authorise.message ? ` (${authorise.message})` : ""}`);
    out(formatStatus(sim.model));

    step(5, "Restart Vault behind the charm's back: the next hook unseals it with no operator step", "sudo systemctl restart vault; (next update-status)");
    await sim.crashWorkload("vault/0");
    await sim.runHook("vault/0", "update-status");
    out(`   ${sim.unit("vault/0").status.status}: ${sim.unit("vault/0").status.message}`);

    step(6, "Ask the charm about its Vault", "juju run vault/0 vault-status");
    const vaultStatus = await sim.runAction("vault/0", "vault-status");
    for (const [key, value] of Object.entries(vaultStatus.results)) if (key !== "return-code") out(`   ${key}: ${String(value)}`);

    step(7, "A consuming charm asks for Vault KV (v0 dialect): it gets a kv-v2 mount and an AppRole bound to its address", "juju deploy ./kv-consumer && juju integrate vault:vault-kv kv-consumer:vault");
    await sim.deploy(join(projectRoot(), "examples", "kv-consumer"), { app: "kv-consumer" });
    await sim.integrate("vault:vault-kv", "kv-consumer:vault");
    out(`   kv-consumer/0: ${sim.unit("kv-consumer/0").status.status}: ${sim.unit("kv-consumer/0").status.message}`);

    step(8, "The consumer writes and reads a secret with its own credentials", "juju run kv-consumer/0 put key=db-password value=…; juju run kv-consumer/0 get key=db-password");
    const put = await sim.runAction("kv-consumer/0", "put", { key: "db-password", value: "correct horse battery staple" });
    out(`   put: ${put.status} (${String(put.results.written ?? put.message)})`);
    const got = await sim.runAction("kv-consumer/0", "get", { key: "db-password" });
    out(`   get: ${got.status}, value has ${String(got.results.value ?? "").length} characters`);

    const role = "charm-kv-consumer-demo-kv-consumer-0";
    step(9, "An operator hands a worker a wrapped secret_id for that role: it can be unwrapped exactly once", `juju run vault/0 generate-secret-id role=${role} wrap-ttl=10m`);
    const generated = await sim.runAction("vault/0", "generate-secret-id", { role, "wrap-ttl": "10m" });
    out(`   ${generated.status}: a wrapping token valid for ${String(generated.results["wrap-ttl"] ?? "?")}s; the worker runs: ${String(generated.results.unwrap ?? "")}`);
  } finally {
    if (options.keep) {
      await sim.close();
      out(`\nModel kept in ${dir}: try  node dist/cli.mjs sim --model ${dir} status`);
    } else {
      await sim.destroy();
      out("\nModel destroyed (use --keep to explore it with `vault-charm sim`).");
    }
  }
}
