// vitest setup for every test file: no secret a suite handled may appear in any log line or any
// process argument of any simulated model it ran. Secrets are harvested from the models themselves
// after every hook (each revision of each Juju secret, the results of actions that return secrets,
// kv data given to actions, the legacy dialect's wrapping tokens), so a suite cannot forget one.
// Scanned: unit logs (juju-log, hook output), the snap/systemctl shims' argv and what they exec,
// the workload's own log, and the argv of every hook-tool call. Allowed by design, and only these:
// action-set in the actions whose job is to return a secret (initialize, generate-secret-id,
// kv-get, the example consumer's get); the simulator's shell test charm, whose tests use the
// key=value form of the secret tools with throwaway values; and AppRole role-ids in Vault's own
// log, which names identity aliases after them (see leaksIn).
import { afterAll, expect } from "vitest";
import { Sim } from "../sim/controller.js";
import { harvestSecrets, leaksIn, transcriptOf, type SecretRegistry, type Transcript } from "../integration/leaks.js";

const secrets: SecretRegistry = new Map();
/** Every model this file opened: its transcript once destroyed, null while it lives. */
const models = new Map<Sim, Transcript | null>();

Sim.observers.push({
  opened: (sim) => void models.set(sim, null),
  ran: (sim) => harvestSecrets(sim, secrets),
  destroying: (sim) => {
    harvestSecrets(sim, secrets);
    models.set(sim, transcriptOf(sim));
  },
});

afterAll(() => {
  if (models.size === 0) return;
  const transcripts = [...models].map(([sim, transcript]) => transcript ?? transcriptOf(sim));
  const leaks = transcripts.flatMap((transcript) => leaksIn(transcript, secrets));
  expect(transcripts.some((t) => t.logs.size > 0 || t.argv.length > 0), "the leak scan found nothing to scan").toBe(true);
  expect(leaks, `secrets in logs or argv (${secrets.size} secrets, ${transcripts.length} models scanned)`).toEqual([]);
});
