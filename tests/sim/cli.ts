// `vault-charm sim <verb>`: juju-like verbs over a model directory, so a person can drive the
// simulator by hand. Each call opens the model, does its verb, runs hooks until idle and saves.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { parse, stringify } from "yaml";
import { parseRunArgs } from "./action-params.js";
import { Sim, type SimOptions } from "./controller.js";
import { jujuVersion } from "./juju-version.js";
import { formatAction, formatDuration, formatStatus, parseDuration, redactedModel, showSecret } from "./format.js";
import type { HookRun } from "./runner.js";

function keyValues(pairs: string[], what: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`${what}: expected key=value, got "${pair}"`);
    result[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return result;
}

/** Secret content from key=value pairs and/or a YAML file (keeps values out of shell history). */
function secretContent(pairs: string[], file: string | undefined): Record<string, string> {
  const content = keyValues(pairs, "secret content");
  if (file) {
    const parsed = parse(readFileSync(file, "utf8")) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`${file}: expected a YAML map of key: value`);
    for (const [k, v] of Object.entries(parsed)) content[k] = String(v);
  }
  return content;
}

function printHook(run: HookRun): void {
  const mark = run.exitCode === 0 ? "ok " : "ERR";
  process.stderr.write(`  ${mark} ${run.unit.padEnd(12)} ${run.name.padEnd(34)} ${run.durationMs.toFixed(0).padStart(5)} ms  ${run.toolCalls.length} tool calls\n`);
}

export function simCommand(): Command {
  const sim = new Command("sim")
    .description("A local Juju model for the charm: real dispatch processes, real hook tools, real Vault")
    .addOption(new Option("--model <dir>", "model directory").env("VAULT_SIM_MODEL").default(join(process.cwd(), ".sim", "default")))
    .option("--quiet", "do not list the hooks as they run");

  /** Opens the model, runs `body`, saves and closes, whatever happens. */
  const withSim =
    <A extends unknown[]>(body: (s: Sim, ...args: A) => Promise<void> | void, extra: Partial<SimOptions> = {}) =>
    async (...args: A) => {
      const globals = sim.opts<{ model: string; quiet?: boolean }>();
      const s = await Sim.open(globals.model, { ...(globals.quiet ? {} : { onHook: printHook }), ...extra });
      try {
        await body(s, ...args);
      } finally {
        await s.close();
      }
    };

  sim
    .command("deploy")
    .description("Deploy a charm (source tree with dist/, or a .charm file) and run its start-up hooks")
    .argument("<charm>", "charm directory or .charm file")
    .argument("[app]", "application name (default: the charm's name)")
    .option("-n, --num-units <n>", "number of units", "1")
    .option("--config <key=value...>", "initial configuration", [])
    .option("--vault-binary <path>", "Vault or OpenBao binary the snap shims run", process.env.VAULT_BIN ?? process.env.BAO_BIN)
    .action(async (charm: string, app: string | undefined, opts: { numUnits: string; config: string[]; vaultBinary?: string }) => {
      await withSim(
        async (s) => {
          await s.deploy(charm, { ...(app ? { app } : {}), units: Number(opts.numUnits), config: keyValues(opts.config, "--config") });
        },
        opts.vaultBinary ? { vaultBinary: opts.vaultBinary } : {},
      )();
    });

  sim
    .command("model-config")
    .description("Show or set the model's settings: juju-version=<3.x.y> (the rules that changed between Juju versions follow it)")
    .argument("[pairs...]")
    .action(
      withSim((s, pairs: string[]) => {
        const values = keyValues(pairs, "model-config");
        for (const [key, value] of Object.entries(values)) {
          if (key !== "juju-version") throw new Error(`unknown model setting "${key}"`);
          s.setJujuVersion(value);
        }
        if (pairs.length === 0) console.log(`juju-version: ${jujuVersion(s.model)}`);
      }),
    );

  sim
    .command("add-unit")
    .description("Add units to an application")
    .argument("<app>")
    .option("-n, --num-units <n>", "number of units", "1")
    .action(withSim(async (s, app: string, opts: { numUnits: string }) => void (await s.addUnit(app, Number(opts.numUnits)))));

  sim.command("remove-unit").description("Remove a unit (departed, broken, stop, remove hooks)").argument("<unit>").action(withSim((s, unit: string) => s.removeUnit(unit)));

  sim
    .command("integrate")
    .description("Relate two applications: <app>[:<endpoint>] <app>[:<endpoint>]")
    .argument("<a>")
    .argument("<b>")
    .action(withSim(async (s, a: string, b: string) => void console.log(`relation ${(await s.integrate(a, b)).id}`)));

  sim.command("remove-relation").description("Remove a relation by id").argument("<id>").action(withSim((s, id: string) => s.removeRelation(Number(id))));

  sim
    .command("config")
    .description("Show an application's configuration, or set key=value pairs")
    .argument("<app>")
    .argument("[pairs...]")
    .option("--reset <keys>", "comma-separated options to reset to their defaults")
    .action(
      withSim(async (s, app: string, pairs: string[], opts: { reset?: string }) => {
        if (pairs.length === 0 && !opts.reset) {
          const a = s.app(app);
          const shown = Object.fromEntries(Object.entries(a.charm.config).map(([k, o]) => [k, a.config[k] ?? o.default ?? null]));
          console.log(JSON.stringify(shown, null, 2));
          return;
        }
        await s.setConfig(app, keyValues(pairs, "config"), opts.reset ? opts.reset.split(",") : []);
      }),
    );

  sim
    .command("add-secret")
    .description("Create a user secret; prints its URI")
    .argument("<name>")
    .argument("[pairs...]", "key=value content")
    .option("--file <yaml>", "content as a YAML map")
    .option("--info <text>", "description")
    .action(withSim((s, name: string, pairs: string[], opts: { file?: string; info?: string }) => void console.log(s.addSecret(name, secretContent(pairs, opts.file), opts.info))));

  sim
    .command("update-secret")
    .description("Write a new revision of a user secret")
    .argument("<name>")
    .argument("[pairs...]")
    .option("--file <yaml>", "content as a YAML map")
    .action(withSim((s, name: string, pairs: string[], opts: { file?: string }) => s.updateSecret(name, secretContent(pairs, opts.file))));

  sim.command("grant-secret").description("Grant a user secret to an application").argument("<name>").argument("<app>").action(withSim((s, name: string, app: string) => s.grantSecret(name, app)));

  sim
    .command("run")
    .description("Run an action on a unit and print its results: run <unit> <action> [key=value...], each value read as YAML like juju run")
    .argument("<unit>")
    .argument("<action>")
    .argument("[params...]")
    .option("--format <format>", "json or yaml", "json")
    .option("--string-args", "keep every value a string instead of reading it as YAML")
    .option("--params <file>", "parameters from a YAML file (key=value arguments override)")
    .action(
      withSim(async (s, unit: string, action: string, pairs: string[], opts: { format: string; stringArgs?: boolean; params?: string }) => {
        const params = parseRunArgs(pairs, { stringArgs: Boolean(opts.stringArgs), ...(opts.params ? { paramsYaml: readFileSync(opts.params, "utf8") } : {}) });
        const record = await s.runAction(unit, action, params);
        if (opts.format === "json") console.log(JSON.stringify(record, null, 2));
        else process.stdout.write(formatAction(record));
        if (record.status !== "completed") process.exitCode = 1;
      }),
    );

  sim.command("run-hook").description("Run one hook on a unit (e.g. update-status)").argument("<unit>").argument("<hook>").action(withSim((s, unit: string, hook: string) => s.runHook(unit, hook)));

  sim
    .command("resolve")
    .description("Clear a unit's hook error; the failed hook runs again unless --no-retry")
    .argument("<unit>")
    .option("--no-retry", "skip the failed hook")
    .action(withSim((s, unit: string, opts: { retry: boolean }) => s.resolve(unit, opts.retry)));

  sim
    .command("advance")
    .description("Move the model clock on (e.g. 1h, 30d): due rotations and expiries fire, then update-status")
    .argument("<duration>")
    .action(
      withSim(async (s, duration: string) => {
        await s.advance(parseDuration(duration));
        console.log(`clock +${formatDuration(s.model.clockOffsetMs)}`);
      }),
    );

  sim
    .command("status")
    .description("Show applications, units and relations")
    .option("--format <format>", "tabular or json", "tabular")
    .action(withSim((s, opts: { format: string }) => void console.log(opts.format === "json" ? JSON.stringify(redactedModel(s.model), null, 2) : formatStatus(s.model))));

  sim
    .command("show-secret")
    .description("Show a secret's metadata (by URI, name or owner label); its content only with --reveal")
    .argument("<secret>")
    .option("--reveal", "include the content")
    .option("--revision <n>", "with --reveal: this revision's content")
    .action(
      withSim((s, secret: string, opts: { reveal?: boolean; revision?: string }) => {
        const view = showSecret(s.model, secret, { reveal: Boolean(opts.reveal), ...(opts.revision ? { revision: Number(opts.revision) } : {}) });
        process.stdout.write(stringify(view));
      }),
    );

  sim
    .command("wait")
    .description("Run queued hooks until the model is idle, then show status")
    .action(
      withSim(async (s) => {
        await s.settle();
        console.log(formatStatus(s.model));
      }),
    );

  sim
    .command("debug-log")
    .description("Print the units' logs")
    .option("--unit <unit>", "only this unit")
    .option("-n, --lines <n>", "last n lines per unit", "100")
    .action(
      withSim((s, opts: { unit?: string; lines: string }) => {
        for (const unit of opts.unit ? [opts.unit] : Object.keys(s.model.units)) {
          try {
            const lines = readFileSync(join(s.paths.logs, `${unit.replace("/", "-")}.log`), "utf8").trimEnd().split("\n");
            console.log(lines.slice(-Number(opts.lines)).join("\n"));
          } catch {
            console.log(`${unit}: no log yet`);
          }
        }
      }),
    );

  sim
    .command("destroy")
    .description("Stop every workload and delete the model directory")
    .action(async () => {
      const s = await Sim.open(sim.opts<{ model: string }>().model);
      await s.destroy();
    });

  return sim;
}
