// JUJU_DISPATCH_PATH -> a typed event (juju-runtime.md §1.3). Unknown paths become `unknown` so
// main can ignore them, as Juju ignores a missing hook.

export type LifecycleHook =
  | "install"
  | "start"
  | "stop"
  | "remove"
  | "config-changed"
  | "update-status"
  | "upgrade-charm"
  | "leader-elected"
  | "leader-settings-changed";

export type RelationHookKind = "created" | "joined" | "changed" | "departed" | "broken";
export type SecretHookKind = "changed" | "rotate" | "expired" | "remove";

export type JujuEvent =
  | { type: "lifecycle"; hook: LifecycleHook }
  | { type: "relation"; endpoint: string; kind: RelationHookKind }
  | { type: "secret"; kind: SecretHookKind }
  | { type: "action"; name: string }
  | { type: "unknown"; path: string };

const LIFECYCLE = new Set<string>([
  "install",
  "start",
  "stop",
  "remove",
  "config-changed",
  "update-status",
  "upgrade-charm",
  "leader-elected",
  "leader-settings-changed",
]);

const RELATION_HOOK = /^(.+)-relation-(created|joined|changed|departed|broken)$/;
const SECRET_HOOK = /^secret-(changed|rotate|expired|remove)$/;

/** `endpoints` are the charm's declared endpoints: a relation hook for any other name is unknown. */
export function parseDispatchPath(path: string, endpoints: ReadonlySet<string>): JujuEvent {
  const [kind, name, ...rest] = path.split("/");
  if (!name || rest.length > 0) return { type: "unknown", path };
  if (kind === "actions") return { type: "action", name };
  if (kind !== "hooks") return { type: "unknown", path };
  if (LIFECYCLE.has(name)) return { type: "lifecycle", hook: name as LifecycleHook };
  const relation = RELATION_HOOK.exec(name);
  if (relation && endpoints.has(relation[1]!)) {
    return { type: "relation", endpoint: relation[1]!, kind: relation[2] as RelationHookKind };
  }
  const secret = SECRET_HOOK.exec(name);
  if (secret) return { type: "secret", kind: secret[1] as SecretHookKind };
  return { type: "unknown", path };
}

export function describeEvent(event: JujuEvent): string {
  switch (event.type) {
    case "lifecycle":
      return event.hook;
    case "relation":
      return `${event.endpoint}-relation-${event.kind}`;
    case "secret":
      return `secret-${event.kind}`;
    case "action":
      return `action ${event.name}`;
    case "unknown":
      return `unknown event ${event.path}`;
  }
}
