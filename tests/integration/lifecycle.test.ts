// The charm's Vault lifecycle through the simulator on a real server: install, TLS, initialise,
// unseal from unseal-keys (again after every restart), authorise, restarts only on change, and no
// secret left anywhere it does not belong.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sim } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";
import { implementations } from "./servers.js";

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

/** The unit's status, after checking its last hook did not fail (a failed hook leaves the old status). */
function healthyStatus(sim: Sim, unit: string) {
  expect(sim.unit(unit).errorHook, `${unit} is in error`).toBeNull();
  return sim.unit(unit).status;
}

function serviceEvents(sim: Sim, unit: string): string[] {
  const file = join(sim.unit(unit).dataDir, "service-events.log");
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
}

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`charm lifecycle on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let sim: Sim;
    let shares: string[] = [];
    let rootToken = "";

    beforeAll(async () => {
      sim = await Sim.open(mkdtempSync(join(tmpdir(), "lifecycle-")), { vaultBinary: impl.bin! });
      await sim.deploy(projectRoot(), { app: "vault" });
    }, 180_000);
    afterAll(async () => sim?.destroy());

    it("installs and starts Vault with TLS on the unit's address, then asks to be initialised", () => {
      const unit = sim.unit("vault/0");
      expect(healthyStatus(sim, "vault/0")).toMatchObject({ status: "blocked", message: "Vault is not initialised: run the initialize action" });
      expect(unit.openedPorts).toEqual(["8200/tcp"]);
      const common = join(unit.dataDir, "var/snap/vault/common");
      const hcl = readFileSync(join(common, "vault.hcl"), "utf8");
      expect(hcl).toContain(`address         = "${unit.address}:8200"`);
      expect(hcl).toContain(impl.name === "openbao" ? 'storage "raft"' : 'storage "file"');
      for (const file of ["vault.hcl", "certs/vault.key", "certs/vault.crt"]) expect(statSync(join(common, file)).mode & 0o777, file).toBe(0o600);
      // The CA lives in an app-owned Juju secret, not on disk with its key.
      const ca = Object.values(sim.model.secrets).find((s) => s.label === "vault-ca")!;
      expect(ca.ownerKind).toBe("application");
      expect(readFileSync(join(common, "certs/ca.crt"), "utf8")).not.toContain("PRIVATE KEY");
    });

    it("refuses bad initialize parameters with a clear failure and changes nothing", async () => {
      const bad = await sim.runAction("vault/0", "initialize", { "key-shares": 2, "key-threshold": 3 });
      expect(bad).toMatchObject({ status: "failed", message: "key-threshold cannot exceed key-shares" });
      expect(healthyStatus(sim, "vault/0").message).toBe("Vault is not initialised: run the initialize action");
    });

    it("initialises once, returning the shares and root token only in the action's results", async () => {
      const init = await sim.runAction("vault/0", "initialize", { "key-shares": 3, "key-threshold": 2 });
      expect(init.status, init.message).toBe("completed");
      shares = String(init.results["unseal-keys"]).split(",");
      rootToken = String(init.results["root-token"]);
      expect(shares).toHaveLength(3);
      expect(healthyStatus(sim, "vault/0").message).toBe("Vault is sealed: run unseal or set unseal-keys");
      const again = await sim.runAction("vault/0", "initialize", { "key-shares": 3, "key-threshold": 2 });
      expect(again).toMatchObject({ status: "failed", message: "Vault is already initialised" });
    });

    it("explains an unseal-keys secret it cannot use, without failing the hook", async () => {
      const unreadable = sim.addSecret("not-granted", { keys: shares.slice(0, 2).join(",") });
      await sim.setConfig("vault", { "unseal-keys": unreadable });
      expect(healthyStatus(sim, "vault/0").message).toMatch(/^Vault is sealed: cannot read unseal-keys secret \(run juju grant-secret/);
      const garbage = sim.addSecret("garbage", { keys: "not a key; rm -rf /" });
      sim.grantSecret("garbage", "vault");
      await sim.setConfig("vault", { "unseal-keys": garbage });
      expect(healthyStatus(sim, "vault/0").message).toBe("Vault is sealed: the unseal-keys secret holds a value that is not an unseal key share");
      expect(sim.unit("vault/0").errorHook).toBeNull();
    });

    it("unseals from unseal-keys, and re-reads the secret when the operator changes it", async () => {
      const uri = sim.addSecret("vault-unseal", { keys: shares[0]! });
      sim.grantSecret("vault-unseal", "vault");
      await sim.setConfig("vault", { "unseal-keys": uri });
      expect(healthyStatus(sim, "vault/0").message).toBe("Vault is sealed: the unseal-keys shares did not unseal it (1/2)");
      await sim.updateSecret("vault-unseal", { keys: shares.slice(1).join("\n") });
      expect(sim.runs.at(-1)!.name).toBe("secret-changed");
      // Refreshed in that hook: the unit now tracks the operator's newest revision.
      expect(Object.values(sim.model.secrets).find((s) => s.name === "vault-unseal")!.tracking["vault/0"]).toBe(2);
      expect(healthyStatus(sim, "vault/0")).toMatchObject({ status: "blocked", message: "Charm not authorised: run authorize-charm" });
    });

    it("authorises itself with the operator's token and keeps only its own AppRole", async () => {
      const tokenUri = sim.addSecret("vault-token", { token: rootToken });
      sim.grantSecret("vault-token", "vault");
      const authorise = await sim.runAction("vault/0", "authorize-charm", { "secret-id": tokenUri });
      expect(authorise.status, authorise.message).toBe("completed");
      expect(healthyStatus(sim, "vault/0")).toMatchObject({ status: "active", message: "Unsealed (active)" });
      const approle = Object.values(sim.model.secrets).find((s) => s.label === "vault-approle-charm")!;
      const content = Object.fromEntries(Object.entries(approle.revisions.at(-1)!.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
      expect(Object.keys(content).sort()).toEqual(["role-id", "secret-id"]);
      expect(Object.values(content)).not.toContain(rootToken);
    });

    it("restarts Vault only when its configuration changes", async () => {
      const before = serviceEvents(sim, "vault/0").length;
      await sim.runHook("vault/0", "config-changed");
      await sim.runHook("vault/0", "update-status");
      expect(serviceEvents(sim, "vault/0").length).toBe(before);
      await sim.setConfig("vault", { "log-level": "debug" });
      expect(serviceEvents(sim, "vault/0").slice(before)).toEqual(["stop", "start", "restart"]);
      expect(healthyStatus(sim, "vault/0").message).toBe("Unsealed (active)");
    });

    it("reaches its Vault over a root-only Unix socket, and adds it to a running Vault without restarting it", async () => {
      const unit = sim.unit("vault/0");
      const common = join(unit.dataDir, "var/snap/vault/common");
      const configFile = join(common, "vault.hcl");
      expect(statSync(join(common, "run")).mode & 0o777).toBe(0o700);
      expect(statSync(join(common, "run/vault.sock")).isSocket()).toBe(true);
      const isActiveCalls = () => readFileSync(join(unit.dataDir, "shim-calls.log"), "utf8").split("\n").filter((l) => l.includes("is-active")).length;
      // Vault answering on its socket is known to run: systemd is not asked.
      let asked = isActiveCalls();
      await sim.runHook("vault/0", "update-status");
      expect(isActiveCalls()).toBe(asked);
      expect(healthyStatus(sim, "vault/0").message).toBe("Unsealed (active)");

      // A Vault started by an earlier version of the charm, from a config without the socket, and
      // killed so its socket file stays behind, refusing connections.
      const full = readFileSync(configFile, "utf8");
      writeFileSync(configFile, full.replace(/listener "unix" \{\n[^}]*\}\n\n/, ""));
      await sim.crashWorkload("vault/0", "vault", "SIGKILL");
      await new Promise((r) => setTimeout(r, 1500)); // systemd's Restart=on-failure
      expect(existsSync(join(common, "run/vault.sock"))).toBe(true);
      const before = serviceEvents(sim, "vault/0").length;
      asked = isActiveCalls();
      await sim.runHook("vault/0", "upgrade-charm");
      // The listener is back in the file, Vault was not restarted for it, and the hook went over TCP.
      expect(readFileSync(configFile, "utf8")).toBe(full);
      expect(serviceEvents(sim, "vault/0").slice(before).filter((e) => e !== "restart-on-failure")).toEqual([]);
      expect(isActiveCalls()).toBeGreaterThan(asked);
      expect(healthyStatus(sim, "vault/0").message).toBe("Unsealed (active)");

      // Vault's next start opens the socket, and hooks use it again.
      await sim.crashWorkload("vault/0", "vault", "SIGKILL");
      await new Promise((r) => setTimeout(r, 1500));
      await sim.runHook("vault/0", "update-status");
      expect(healthyStatus(sim, "vault/0").message).toBe("Unsealed (active)");
      asked = isActiveCalls();
      await sim.runHook("vault/0", "update-status");
      expect(isActiveCalls()).toBe(asked);
    });

    it("unseals itself after Vault restarts behind its back, with no operator step", async () => {
      await sim.crashWorkload("vault/0");
      await sim.runHook("vault/0", "update-status");
      expect(healthyStatus(sim, "vault/0")).toMatchObject({ status: "active", message: "Unsealed (active)" });
    });

    it("reports Vault's state through vault-status", async () => {
      const status = await sim.runAction("vault/0", "vault-status");
      expect(status.status).toBe("completed");
      expect(status.results).toMatchObject({ initialized: "true", sealed: "false", storage: impl.name === "openbao" ? "raft" : "file" });
    });

    it("leaves no share or token in logs, unit files, hook-tool calls or service arguments", () => {
      const secrets = [...shares, rootToken];
      const files = [...filesUnder(sim.paths.logs), ...filesUnder(join(sim.unit("vault/0").dataDir))].filter((f) => !f.includes("/data/") && !f.includes("/raft/"));
      expect(files.length).toBeGreaterThan(5);
      for (const file of files) {
        const text = readFileSync(file, "utf8");
        for (const secret of secrets) expect(text.includes(secret), `${file} contains a secret`).toBe(false);
      }
      // Action results are where `initialize` is meant to return them; nothing else in the model holds them.
      const { actions, secrets: jujuSecrets, ...rest } = sim.model;
      const model = JSON.stringify(rest);
      for (const secret of secrets) expect(model.includes(secret)).toBe(false);
      const owned = JSON.stringify(Object.values(jujuSecrets).filter((s) => s.ownerKind !== "model"));
      for (const secret of secrets) expect(owned.includes(Buffer.from(secret).toString("base64"))).toBe(false);
      const resultsHolding = Object.values(actions).filter((a) => JSON.stringify(a.results).includes(rootToken));
      expect(resultsHolding.map((a) => a.name)).toEqual(["initialize"]);
      // Hook-tool argv: only `action-set` of `initialize` may carry them (Juju has no other way to
      // return action results); secret-get/secret-add/secret-set take content by file or stdin.
      const carriers = sim.runs.flatMap((run) => run.toolCalls.filter((c) => secrets.some((s) => c.args.join(" ").includes(s))).map((c) => `${run.name}:${c.tool}`));
      expect([...new Set(carriers)]).toEqual(["action initialize:action-set"]);
      const shimCalls = readFileSync(join(sim.unit("vault/0").dataDir, "shim-calls.log"), "utf8");
      for (const secret of secrets) expect(shimCalls.includes(secret)).toBe(false);
    });
  });
}
