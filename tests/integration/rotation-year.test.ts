// A year of the simulator's clock with the documented short secret-id lifetime (720h) and monthly
// consumer credentials: each owned secret gets new revisions at its expected pace and never in a
// storm. Juju reschedules a rotation to five minutes later whenever the latest revision expires
// before the next scheduled rotation (secretsmanager SecretsRotated, `willExpire`); the simulator
// follows it (tests/simulator/juju-rules.test.ts), so a charm that let that happen would run
// secret-rotate every five minutes here too.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { projectRoot } from "../sim/paths.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const DAY = 86_400_000;
const DAYS = 370;
// OpenBao when present (either server shows the same scheduling; one year is enough).
const impl = implementations().find((i) => i.name === "openbao" && i.bin) ?? implementations().find((i) => i.bin);

describe.skipIf(!impl)(`a year of rotations with charm-secret-id-ttl=720h and credential-rotation=monthly${impl ? ` on ${impl.name}` : " (no server binary: skipped)"}`, () => {
  let ready: ReadyVault;
  const secretLabelled = (label: string) => Object.values(ready.sim.model.secrets).find((s) => s.label === label)!;

  beforeAll(async () => {
    ready = await deployReadyVault(impl!.bin!, "rotation-year-", { "charm-secret-id-ttl": "720h", "credential-rotation": "monthly" });
    await ready.sim.deploy(CONSUMER, { app: "kv-consumer" });
    await ready.sim.integrate("vault:vault-kv", "kv-consumer:vault");
  }, 240_000);
  afterAll(async () => ready?.sim.destroy());

  it("renews the charm's AppRole on expiry every 20 days and the consumer's credentials monthly: no storm", async () => {
    const charm = secretLabelled("vault-approle-charm");
    const consumer = secretLabelled("vault-kv-kv-consumer-0");
    // 720h lives under a month: renewed on expiry alone (policy.ts charmApproleRotation).
    expect(charm.rotatePolicy).toBe("never");
    expect(consumer.rotatePolicy).toBe("monthly");
    const charmStart = charm.revisions.at(-1)!.revision;
    const consumerStart = consumer.revisions.at(-1)!.revision;
    const runsBefore = ready.sim.runs.length;
    // 370 days: a year plus the days monthly steps can drift by (Jan 30 + 1 month is Mar 2, as in
    // Go's AddDate that Juju's RotatePolicy uses), so the twelfth monthly rotation falls inside.
    for (let day = 1; day <= DAYS; day++) await ready.sim.advance(DAY, false);
    const runs = ready.sim.runs.slice(runsBefore);
    const count = (name: string) => runs.filter((r) => r.name === name).length;
    const charmRenewals = secretLabelled("vault-approle-charm").revisions.at(-1)!.revision - charmStart;
    const consumerRotations = secretLabelled("vault-kv-kv-consumer-0").revisions.at(-1)!.revision - consumerStart;
    const figures = {
      "charm AppRole new revisions": charmRenewals,
      "consumer credential new revisions": consumerRotations,
      "secret-rotate hooks": count("secret-rotate"),
      "secret-expired hooks": count("secret-expired"),
      "hooks in all": runs.length,
    };
    console.log(`${DAYS} simulated days: ${JSON.stringify(figures)}`);
    // Expiry at two thirds of 720h = 20 days: 370 / 20 -> 18 renewals.
    expect(charmRenewals).toBe(18);
    // Monthly: 12 rotations, each one new revision; a storm would be one every five minutes.
    expect(consumerRotations).toBe(12);
    expect(count("secret-rotate")).toBe(12);
    expect(count("secret-expired")).toBe(18);
    expect(runs.every((r) => r.exitCode === 0)).toBe(true);
    // Each renewal revoked the secret-id it replaced once no unit tracked it: one live secret-id each.
    expect(await approle.listSecretIdAccessors(ready.root, "approle", "juju-vault-charm")).toHaveLength(1);
    expect(ready.sim.unit("vault/0")).toMatchObject({ errorHook: null, status: { status: "active", message: "Unsealed (active)" } });
  }, 600_000);
});
