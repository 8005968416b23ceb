// A second real Vault (or OpenBao), started over TLS, playing the organisation's existing Vault in
// external-mode suites; and small root-token helpers those suites use to set it up and inspect it.
import { createCharmCa, issueServerCertificate, type KeyedCertificate } from "../../src/vault/tls.js";
import { charmPolicy } from "../../src/authorization.js";
import { VaultClient, type JsonObject } from "../../src/vault/client.js";
import * as sys from "../../src/vault/sys.js";
import { startServer, type RunningServer } from "./servers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface External {
  server: RunningServer;
  root: VaultClient;
  caPem: string;
  ca: KeyedCertificate;
  rootToken: string;
}

export async function startExternalVault(impl: Parameters<typeof startServer>[0]): Promise<External> {
  const ca = await createCharmCa("external Vault test CA");
  const cert = await issueServerCertificate(ca, { commonName: "127.0.0.1", ipAddresses: ["127.0.0.1"], dnsNames: ["localhost"] });
  const server = await startServer(impl, "127.0.0.1", { ...cert, caPem: ca.certPem });
  const anonymous = new VaultClient({ url: server.url, caPem: ca.certPem });
  const init = await sys.initialize(anonymous.withTimeout(120_000), 1, 1);
  await sys.submitUnsealKey(anonymous, init.keys[0]!);
  const root = anonymous.withToken(init.rootToken);
  for (let i = 0; (await sys.health(root)).standby && i < 60; i++) await sleep(250);
  await sys.enableAuthMethod(root, "approle", "approle");
  await sys.putPolicy(root, "vault-charm", charmPolicy("charm-"));
  return { server, root, caPem: ca.certPem, ca, rootToken: init.rootToken };
}

export async function createToken(root: VaultClient, policies: string[], ttl: string): Promise<{ token: string; accessor: string }> {
  const r = await root.request("POST", "auth/token/create", { body: { policies, ttl, explicit_max_ttl: "10m", renewable: true, no_default_policy: false } });
  const auth = r.auth as JsonObject;
  return { token: String(auth.client_token), accessor: String(auth.accessor) };
}

/** Seconds left on the token with this accessor; null once it is revoked or expired. */
export async function tokenTtl(root: VaultClient, accessor: string): Promise<number | null> {
  try {
    const r = await root.request("POST", "auth/token/lookup-accessor", { body: { accessor } });
    return Number((r.data as JsonObject).ttl);
  } catch {
    return null;
  }
}
