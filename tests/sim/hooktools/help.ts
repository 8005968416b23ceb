// `<tool> --help` (and -h), which every Juju hook tool answers with its usage and exit 0 (juju/cmd's
// SuperCommand/Command help, as jujuc runs it). Charms probe it: charm-helpers' relation_set looks
// for "--file" in `relation-set --help` before using it. Flags listed are the ones the jujuc
// commands define (internal/worker/uniter/runner/jujuc/<tool>.go SetFlags).
const USAGE: Record<string, [args: string, flags: string[]]> = {
  "juju-log": ["<message>", ["--debug", "-l, --log-level (= INFO)", "--format"]],
  "status-get": ["[--include-data] [--application]", ["--application", "--format (= smart)", "--include-data"]],
  "status-set": ["<maintenance | blocked | waiting | active> [message]", ["--application"]],
  "application-version-set": ["<new-version>", []],
  "config-get": ["[<key>]", ["-a, --all", "--format (= smart)"]],
  "is-leader": ["", ["--format (= smart)"]],
  "relation-ids": ["[<name>]", ["--format (= smart)"]],
  "relation-list": ["", ["--app", "--format (= smart)", "-r, --relation"]],
  "relation-get": ["<key> <unit id>", ["--app", "--format (= smart)", "-r, --relation"]],
  "relation-set": ["key=value [key=value ...]", ["--app", "--file  file containing key-value pairs", "--format (= \"\")", "-r, --relation"]],
  "network-get": ["<binding-name> [--ingress-address] [--bind-address] [--egress-subnets]", ["--bind-address", "--egress-subnets", "--format (= smart)", "--ingress-address", "--primary-address", "-r, --relation"]],
  "unit-get": ["<setting>", ["--format (= smart)"]],
  "open-port": ["<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp", ["--endpoints", "--format"]],
  "close-port": ["<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp", ["--endpoints", "--format"]],
  "opened-ports": ["", ["--endpoints", "--format (= smart)"]],
  "action-get": ["[<key>[.<key>.<key>...]]", ["--format (= smart)"]],
  "action-set": ["<key>=<value> [<key>=<value> ...]", []],
  "action-fail": ["[\"<failure message>\"]", []],
  "action-log": ["<message>", []],
  "secret-add": ["[key[#base64|#file]=value...]", ["--description", "--expire", "--file", "--label", "--owner (= application)", "--rotate"]],
  "secret-get": ["<ID> [key[#base64]]", ["--format (= yaml)", "--label", "--peek", "--refresh"]],
  "secret-set": ["<ID> [key[#base64]=value...]", ["--description", "--expire", "--file", "--label", "--owner (= application)", "--rotate"]],
  "secret-remove": ["<ID>", ["--revision"]],
  "secret-grant": ["<ID>", ["-r, --relation", "--unit"]],
  "secret-revoke": ["<ID>", ["--app, --application", "-r, --relation", "--unit"]],
  "secret-ids": ["", ["--format (= yaml)"]],
  "secret-info-get": ["<ID>", ["--format (= yaml)", "--label"]],
  "state-get": ["[<key>]", ["--format (= smart)", "--strict"]],
  "state-set": ["key=value [key=value ...]", ["--file"]],
  "state-delete": ["<key>", []],
};

/** True when the arguments ask for help: -h or --help before any `--`. */
export function wantsHelp(args: string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h" || arg === "--help=true") return true;
  }
  return false;
}

export function helpText(tool: string): string {
  const [args, flags] = USAGE[tool] ?? ["", []];
  const options = flags.length ? `\nOptions:\n${flags.map((f) => `${f}\n`).join("")}` : "";
  return `Usage: ${tool} [options] ${args}\n\nSummary:\n${tool} (juju hook tool, simulated)\n${options}`;
}
