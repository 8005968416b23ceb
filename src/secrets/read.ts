// Reading a secret as one of its readers: an observer of the operator's or a provider's secret,
// or a unit of the application that owns it (Juju tracks their revisions alike). A reader uses
// the revision it tracks; on secret-changed for that secret it refreshes (reads the newest and
// tracks it from then on), which is what lets Juju tell the owner the old revision is free. An
// owner that must see its newest revision without moving its tracking peeks instead.
import type { Hook } from "../hook.js";
import { PermissionDeniedError, secretGet, SecretNotFoundError, type SecretContent } from "../juju/index.js";
import { sameSecret } from "./ledger.js";

export type SecretSelector = { id: string } | { label: string };

/** Whether this hook is secret-changed for the selected secret. */
export function isChangeOf(hook: Hook, selector: SecretSelector): boolean {
  if (hook.event.type !== "secret" || hook.event.kind !== "changed") return false;
  if ("id" in selector) return sameSecret(hook.juju.secretId, selector.id);
  // Juju names the secret by id, and by label only when this unit gave it one: with no label to
  // compare, refresh anyway; a reader never has a reason to stay on an older revision.
  return !hook.juju.secretLabel || hook.juju.secretLabel === selector.label;
}

export function readSecret(hook: Hook, selector: SecretSelector): SecretContent {
  return secretGet({ ...selector, refresh: isChangeOf(hook, selector) });
}

/** readSecret for a secret someone else must grant us: null while it is not granted, or gone. */
export function readGrantedSecret(hook: Hook, selector: SecretSelector): SecretContent | null {
  try {
    return readSecret(hook, selector);
  } catch (error) {
    if (error instanceof SecretNotFoundError || error instanceof PermissionDeniedError) return null;
    throw error;
  }
}
