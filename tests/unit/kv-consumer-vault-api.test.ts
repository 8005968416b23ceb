// The example consumer's node-vault client (examples/kv-consumer/src/vault-api.ts): which failures
// it waits out (a sealed or unreachable Vault) and which it does not, from node-vault's own errors
// against a local HTTP server answering as Vault does.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNotFound, vaultApi, waitingFor } from "../../examples/kv-consumer/src/vault-api.js";

const ANSWERS: Record<string, [number, unknown]> = {
  "/v1/kv/sealed": [503, { errors: ["Vault is sealed"] }],
  "/v1/kv/standby": [503, { errors: ["no active node"] }],
  "/v1/kv/missing": [404, { errors: [] }],
  "/v1/kv/denied": [403, { errors: ["permission denied"] }],
  "/v1/kv/present": [200, { data: { value: "v" } }],
};

async function failure(path: string, url: string): Promise<unknown> {
  return vaultApi({ url, caPem: "", address: "127.0.0.1" }, "t").read(path).then(() => null, (error: unknown) => error);
}

describe("the example consumer's Vault client", () => {
  let server: Server;
  let url: string;
  const tokens: (string | undefined)[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      tokens.push(request.headers["x-vault-token"] as string | undefined);
      const [status, body] = ANSWERS[request.url ?? ""] ?? [500, { errors: ["unexpected"] }];
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("reads with its token, and tells a missing key from a refusal", async () => {
    expect(await vaultApi({ url, caPem: "", address: "127.0.0.1" }, "t").read("kv/present")).toEqual({ data: { value: "v" } });
    expect(tokens.at(-1)).toBe("t");
    expect(isNotFound(await failure("kv/missing", url))).toBe(true);
    expect(isNotFound(await failure("kv/denied", url))).toBe(false);
  });

  it("waits out a sealed Vault, a standby without an active node and one that does not answer; not a refusal", async () => {
    expect(waitingFor(await failure("kv/sealed", url))).toBe("Vault is sealed");
    expect(waitingFor(await failure("kv/standby", url))).toBe("Vault does not answer");
    expect(waitingFor(await failure("kv/denied", url))).toBeNull();
    expect(waitingFor(await failure("kv/missing", url))).toBeNull();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(waitingFor(await failure("kv/present", `http://127.0.0.1:${port}`))).toBe("Vault does not answer");
  });
});
