// `vault-charm`: the operator and developer CLI. Heavy commands load their code only when used.
import { Command } from "commander";

const program = new Command()
  .name("vault-charm")
  .description("Develop, try and measure the Vault charm without a Juju controller.")
  .showHelpAfterError();

program
  .command("dispatch")
  .description("Run the charm for the event in JUJU_DISPATCH_PATH (what ./dispatch does in a real unit)")
  .action(async () => {
    await import("./main.js"); // runs the hook and sets the exit code
  });

program
  .command("demo")
  .description("Deploy the charm in an embedded simulated model on a real Vault and walk through its life")
  .option("--keep", "keep the model directory afterwards to explore it with `vault-charm sim`")
  .option("--server <implementation>", "vault or openbao (default: Vault when built, else OpenBao)")
  .action(async (opts: { keep?: boolean; server?: string }) => {
    if (opts.server && opts.server !== "vault" && opts.server !== "openbao") program.error("--server must be vault or openbao");
    const { runDemo } = await import("../tests/sim/demo.js");
    await runDemo({ keep: Boolean(opts.keep), ...(opts.server ? { implementation: opts.server as "vault" | "openbao" } : {}) });
  });

program
  .command("bench")
  .description("Measure hook latency and hook-tool cost against baselines measured in the same run")
  .option("--runs <n>", "samples per figure", "30")
  .option("--only <name>", "one benchmark: hook-latency or sealed-window")
  .option("--kills <n>", "sealed-window: kill -9 samples per mode", "10")
  .option("--update-status-interval <s>", "sealed-window: update-status interval for the 'before' figure", "20")
  .option("--scale", "instead: vault-kv with N consumer units (HashiCorp Vault; a long run for N = 1000)")
  .option("--sizes <n,n>", "with --scale: the numbers of consumer units", "1,10,100,1000")
  .option("--dialects <d,d>", "with --scale: v0, legacy or both", "v0,legacy")
  .option("--charm <dir>", "hook-latency and --scale: measure another build of the charm (a checkout, built), as a baseline")
  .option("--fleet-at-once", "with --scale --charm: a baseline whose every hook serves every unit meets the fleet in one relation-changed (not Juju; provisioning not measured)")
  .action(async (opts: { runs: string; only?: string; kills: string; updateStatusInterval: string; scale?: boolean; sizes: string; dialects: string; charm?: string; fleetAtOnce?: boolean }) => {
    if (opts.scale) {
      const sizes = opts.sizes.split(",").map(Number);
      const dialects = opts.dialects.split(",");
      if (sizes.some((n) => !Number.isInteger(n) || n < 1) || dialects.some((d) => d !== "v0" && d !== "legacy")) program.error("--sizes takes whole numbers, --dialects v0 and/or legacy");
      if (opts.fleetAtOnce && !opts.charm) program.error("--fleet-at-once measures a baseline (not Juju's event order): give it --charm <dir>");
      const { runScaleBenchmark } = await import("../bench/scale.js");
      await runScaleBenchmark({ sizes, dialects: dialects as ("v0" | "legacy")[], fleetAtOnce: Boolean(opts.fleetAtOnce), ...(opts.charm ? { charm: opts.charm } : {}) });
      return;
    }
    if (opts.only !== "sealed-window") {
      const { runBenchmarks } = await import("../bench/hook-latency.js");
      await runBenchmarks({ runs: Number(opts.runs), ...(opts.charm ? { charm: opts.charm } : {}) });
    }
    if (opts.only === undefined || opts.only === "sealed-window") {
      const { runSealedWindowBenchmark } = await import("../bench/sealed-window.js");
      await runSealedWindowBenchmark({ runs: Number(opts.kills), updateStatusIntervalS: Number(opts.updateStatusInterval) });
    }
  });

program
  .command("policy")
  .description(
    "Print the Vault policy the charm needs on an external Vault; with --runner-role, a script setting up AppRole pull authentication (worker and runner policies and roles)",
  )
  .option("--prefix <prefix>", "the charm's kv-mount-prefix", "charm-")
  .option("--runner-role <name>", "pull authentication: the runner role the charm works as (e.g. vault-charm-runner)")
  .option("--worker-role <name>", "pull authentication: the worker role that fetches wrapped secret-ids", "vault-charm-worker")
  .option("--approle-mount <path>", "pull authentication: the AppRole mount of both roles", "approle")
  .option("--cidr <cidr...>", "pull authentication: bind both roles' secret-ids and tokens to these CIDRs (every vault unit's address: leadership may move)")
  .action(async (opts: { prefix: string; runnerRole?: string; workerRole: string; approleMount: string; cidr?: string[] }) => {
    const { charmPolicy } = await import("./authorization.js");
    if (!opts.runnerRole) {
      process.stdout.write(charmPolicy(opts.prefix));
      return;
    }
    const [{ ROLE_NAME, MOUNT }, { isCidr }, { pullSetupScript }] = await Promise.all([import("./external/credentials.js"), import("./cidr.js"), import("./external/pull-policy.js")]);
    if (!/^[a-z][a-z0-9-]{0,30}-$/.test(opts.prefix)) program.error("--prefix must be lowercase letters, digits and dashes, ending in -");
    for (const [flag, name] of [["--runner-role", opts.runnerRole], ["--worker-role", opts.workerRole]] as const) if (!ROLE_NAME.test(name)) program.error(`${flag} is not an AppRole role name`);
    if (opts.runnerRole === opts.workerRole) program.error("--runner-role and --worker-role must differ");
    if (!MOUNT.test(opts.approleMount)) program.error("--approle-mount is not a mount path");
    for (const cidr of opts.cidr ?? []) if (!isCidr(cidr)) program.error(`--cidr ${cidr} is not a CIDR like 10.0.0.5/32`);
    process.stdout.write(pullSetupScript({ prefix: opts.prefix, runnerRole: opts.runnerRole, workerRole: opts.workerRole, mount: opts.approleMount, cidrs: opts.cidr ?? [] }));
  });

// `sim` is the only command with many subcommands; it is loaded only when asked for.
if (process.argv[2] === "sim") {
  const { simCommand } = await import("../tests/sim/cli.js");
  program.addCommand(simCommand());
} else {
  program.command("sim").description("A local Juju model: deploy, integrate, config, run actions (see `vault-charm sim --help`)").allowUnknownOption().action(() => undefined);
}

await program.parseAsync(process.argv);
