// The charm's whole interface to Juju. Everything above src/juju imports from here.
export * from "./context.js";
export * from "./errors.js";
export * from "./events.js";
export { hookToolCallCount } from "./runner.js";
export * from "./tools/action.js";
export * from "./tools/relation.js";
export * from "./tools/secret.js";
export * from "./tools/state.js";
export * from "./tools/status.js";
export * from "./tools/unit.js";
export { createLogger, type Logger } from "./log.js";
