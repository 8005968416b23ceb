// The kept token's in-hook renewal timer (src/kept-token.ts): at half the TTL, never for a
// non-expiring token or with auto-renew off, and never at Node's 1 ms fallback for delays past
// 2^31-1 ms (a token of more than 49 days). The Vault client is a recorder: what is under test is
// when the charm asks, not what Vault answers (the integration suites cover that).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Logger } from "../../src/juju/index.js";
import { KeptToken } from "../../src/kept-token.js";
import type { VaultClient } from "../../src/vault/client.js";

const DAY = 86_400;
const log = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined } as unknown as Logger;

function recordingClient(paths: string[]): VaultClient {
  const client = {
    withToken: () => client,
    request: (_method: string, path: string) => {
      paths.push(path);
      return Promise.resolve({ auth: { lease_duration: 3600 } });
    },
  };
  return client as unknown as VaultClient;
}

describe("kept token renewal within a hook", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "kept-token-"));
    process.env.VAULT_CHARM_SIM_ROOT = root;
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    delete process.env.VAULT_CHARM_SIM_ROOT;
    rmSync(root, { recursive: true, force: true });
  });

  it("renews at half the TTL, and notes the token 0600 before it is used", () => {
    const paths: string[] = [];
    new KeptToken("t.json", "the token", log).keep(recordingClient(paths), "digest", "hvs.x", 10);
    expect(statSync(join(root, "var/lib/vault-charm/t.json")).mode & 0o777).toBe(0o600);
    vi.advanceTimersByTime(4_999);
    expect(paths).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(paths).toEqual(["auth/token/renew-self"]);
  });

  it("does not renew a token of 60 days every millisecond (Node's fallback past 2^31-1 ms)", () => {
    const paths: string[] = [];
    new KeptToken("t.json", "the token", log).keep(recordingClient(paths), "digest", "hvs.x", 60 * DAY);
    vi.advanceTimersByTime(60_000);
    expect(paths).toEqual([]);
  });

  it("does not renew with auto-renew off, nor a token that does not expire", () => {
    const paths: string[] = [];
    new KeptToken("a.json", "the token", log).keep(recordingClient(paths), "digest", "hvs.x", 10, false);
    new KeptToken("b.json", "the token", log).keep(recordingClient(paths), "digest", "hvs.y", 0);
    vi.advanceTimersByTime(60_000);
    expect(paths).toEqual([]);
  });
});
