// Tool name -> implementation, and the one entry point the context server calls.
import * as action from "./action.js";
import * as basic from "./basic.js";
import { helpText, wantsHelp } from "./help.js";
import { ToolError, type HookRuntime, type ToolResult } from "./context.js";
import * as relation from "./relation.js";
import * as secret from "./secret.js";

type Tool = (rt: HookRuntime, args: string[], stdin: string) => string;

const TOOLS: Record<string, Tool> = {
  "juju-log": basic.jujuLog,
  "status-get": basic.statusGet,
  "status-set": basic.statusSet,
  "application-version-set": basic.applicationVersionSet,
  "config-get": basic.configGet,
  "is-leader": basic.isLeaderTool,
  "network-get": basic.networkGet,
  "unit-get": basic.unitGet,
  "open-port": basic.openPort,
  "close-port": basic.closePort,
  "opened-ports": basic.openedPorts,
  "state-get": basic.stateGet,
  "state-set": basic.stateSet,
  "state-delete": basic.stateDelete,
  "relation-ids": relation.relationIds,
  "relation-list": relation.relationList,
  "relation-get": relation.relationGet,
  "relation-set": relation.relationSet,
  "action-get": action.actionGet,
  "action-set": action.actionSet,
  "action-fail": action.actionFail,
  "action-log": action.actionLog,
  "secret-add": secret.secretAdd,
  "secret-get": secret.secretGet,
  "secret-set": secret.secretSet,
  "secret-info-get": secret.secretInfoGet,
  "secret-ids": secret.secretIds,
  "secret-grant": secret.secretGrant,
  "secret-revoke": secret.secretRevoke,
  "secret-remove": secret.secretRemove,
};

export function runTool(rt: HookRuntime, tool: string, args: string[], stdin: string): ToolResult {
  const impl = TOOLS[tool];
  if (!impl) return { code: 1, stdout: "", stderr: `ERROR unknown hook tool "${tool}"\n` };
  if (wantsHelp(args)) return { code: 0, stdout: helpText(tool), stderr: "" };
  try {
    return { code: 0, stdout: impl(rt, args, stdin), stderr: "" };
  } catch (error) {
    if (error instanceof ToolError) return { code: error.code, stdout: "", stderr: `ERROR ${error.message}\n` };
    const message = error instanceof Error ? error.message : String(error);
    return { code: 1, stdout: "", stderr: `ERROR ${message}\n` };
  }
}
