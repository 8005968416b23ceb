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

await program.parseAsync(process.argv);
