// Which Vault credentials each revision of an owned secret holds, kept in the peer relation's app
// bag so any leader can revoke exactly what a revision held, by accessor, once Juju says no unit
// tracks it (secret-remove). Revisions Juju asked to remove while the charm had no Vault session
// wait here until it has one: Juju sends secret-remove only once per revision.
import { peerAppObject, setPeerAppValues } from "../relations/peers.js";

const LEDGER_KEY = "owned-secret-credentials";

/** One secret-id: the AppRole it belongs to and its accessor (never the secret-id itself). */
export interface IssuedCredential {
  role: string;
  accessor: string;
}

export interface SecretCredentials {
  /** The secret's URI as Juju gave it, for secret-remove. */
  uri: string;
  /** AppRole auth mount of the roles below. */
  mount: string;
  /** Revision -> the secret-ids it holds (one, plus any strays adopted when it was replaced). */
  revisions: Record<string, IssuedCredential[]>;
  /** Revisions to remove once the charm has a Vault session again. */
  pendingRemoval?: number[];
}

/** Juju writes a secret's URI as secret://<model>/<id>, secret:<id> or the bare id: the id names it. */
export function secretKey(uri: string): string {
  return uri.slice(Math.max(uri.lastIndexOf("/"), uri.lastIndexOf(":")) + 1);
}

export function sameSecret(a: string | null | undefined, b: string | null | undefined): boolean {
  return Boolean(a && b && secretKey(a) === secretKey(b));
}

export class CredentialLedger {
  private constructor(
    private readonly app: string,
    private readonly before: string,
    private readonly secrets: Record<string, SecretCredentials>,
  ) {}

  static read(app: string): CredentialLedger {
    // write() compares with the text as read, not a second serialisation.
    const { value, text } = peerAppObject<SecretCredentials>(app, LEDGER_KEY);
    return new CredentialLedger(app, text, value);
  }

  get(uri: string): SecretCredentials | undefined {
    return this.secrets[secretKey(uri)];
  }

  /** Adds secret-ids to what `revision` holds. */
  record(uri: string, mount: string, revision: number, credentials: IssuedCredential[]): void {
    const entry = (this.secrets[secretKey(uri)] ??= { uri, mount, revisions: {} });
    entry.mount = mount;
    entry.revisions[String(revision)] = [...(entry.revisions[String(revision)] ?? []), ...credentials];
  }

  /** The newest revision recorded and what it holds. */
  latest(uri: string): { revision: number; credentials: IssuedCredential[] } | null {
    const entry = this.get(uri);
    const revisions = Object.keys(entry?.revisions ?? {}).map(Number);
    if (!entry || revisions.length === 0) return null;
    const revision = Math.max(...revisions);
    return { revision, credentials: entry.revisions[String(revision)]! };
  }

  /** Every accessor recorded for the secret, in any revision. */
  accessors(uri: string): Set<string> {
    return new Set(Object.values(this.get(uri)?.revisions ?? {}).flatMap((list) => list.map((c) => c.accessor)));
  }

  /** Forgets a revision, returning what it held for the caller to revoke. */
  takeRevision(uri: string, revision: number): { mount: string; credentials: IssuedCredential[] } | null {
    const entry = this.get(uri);
    const credentials = entry?.revisions[String(revision)];
    if (!entry || !credentials) return null;
    delete entry.revisions[String(revision)];
    this.dropIfEmpty(uri);
    return { mount: entry.mount, credentials };
  }

  /** The whole secret is gone (its consumer left): nothing of it is kept. */
  forget(uri: string): void {
    delete this.secrets[secretKey(uri)];
  }

  deferRemoval(uri: string, revision: number): void {
    const entry = (this.secrets[secretKey(uri)] ??= { uri, mount: "", revisions: {} });
    entry.pendingRemoval = [...new Set([...(entry.pendingRemoval ?? []), revision])];
  }

  pendingRemovals(): { uri: string; revision: number }[] {
    return Object.values(this.secrets).flatMap((entry) => (entry.pendingRemoval ?? []).map((revision) => ({ uri: entry.uri, revision })));
  }

  removalDone(uri: string, revision: number): void {
    const entry = this.get(uri);
    if (!entry?.pendingRemoval) return;
    entry.pendingRemoval = entry.pendingRemoval.filter((r) => r !== revision);
    if (entry.pendingRemoval.length === 0) delete entry.pendingRemoval;
    this.dropIfEmpty(uri);
  }

  /** Writes the ledger when this hook changed it (leader only). */
  write(): void {
    const next = JSON.stringify(this.secrets);
    if (next === this.before) return;
    setPeerAppValues(this.app, { [LEDGER_KEY]: Object.keys(this.secrets).length ? next : "" });
  }

  private dropIfEmpty(uri: string): void {
    const entry = this.get(uri);
    if (entry && Object.keys(entry.revisions).length === 0 && !entry.pendingRemoval) this.forget(uri);
  }
}
