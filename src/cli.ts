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
  .action(async (opts: { runs: string; only?: string; kills: string; updateStatusInterval: string }) => {
    if (opts.only !== "sealed-window") {
      const { runBenchmarks } = await import("../bench/hook-latency.js");
      await runBenchmarks({ runs: Number(opts.runs) });
    }
    if (opts.only === undefined || opts.only === "sealed-window") {
      const { runSealedWindowBenchmark } = await import("../bench/sealed-window.js");
      await runSealedWindowBenchmark({ runs: Number(opts.kills), updateStatusIntervalS: Number(opts.updateStatusInterval) });
    }
  });

program
  .command("policy")
  .description("Print the Vault policy the charm needs; give it to the charm's token or AppRole on an external Vault")
  .option("--prefix <prefix>", "the charm's kv-mount-prefix", "charm-")
  .action(async (opts: { prefix: string }) => {
    const { charmPolicy } = await import("./authorization.js");
    process.stdout.write(charmPolicy(opts.prefix));
  });

// `sim` is the only command with many subcommands; it is loaded only when asked for.
if (process.argv[2] === "sim") {
  const { simCommand } = await import("../tests/sim/cli.js");
  program.addCommand(simCommand());
} else {
  program.command("sim").description("A local Juju model: deploy, integrate, config, run actions (see `vault-charm sim --help`)").allowUnknownOption().action(() => undefined);
}

await program.parseAsync(process.argv);
