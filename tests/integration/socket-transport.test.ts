// The charm's own HTTP/1.1 client for the local Vault's Unix socket (src/vault/socket-http.ts)
// against real servers with a `listener "unix"` beside their TCP one: each kind of answer the
// charm's requests get (health's status codes, 204s, refusals, bodies large enough that Go's server
// sends them chunked, LIST), the same over the socket as over TCP through node:http.
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VaultClient } from "../../src/vault/client.js";
import { VaultPermissionDeniedError, VaultSealedError, VaultUnreachableError } from "../../src/vault/errors.js";
import { kv1 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { requestOverSocket } from "../../src/vault/socket-http.js";
import { implementations, startServer, type RunningServer } from "./servers.js";

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`requests over a Unix socket to ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let server: RunningServer;
    let dir: string;
    let socket: string;
    let overTcp: VaultClient;
    let overSocket: VaultClient;
    let rootToken = "";

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "vault-sock-"));
      socket = join(dir, "vault.sock");
      server = await startServer(impl, "127.0.0.1", undefined, `listener "unix" {\n  address = "${socket}"\n}`);
      overTcp = new VaultClient({ url: server.url });
      // The URL's host is not used over the socket; the charm gives its TLS URL there.
      overSocket = new VaultClient({ url: "https://vault.invalid:8200", socketPath: socket });
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("answers as over TCP: health's status codes while sealed, then a refusal, 204s, large and listed bodies", async () => {
      // Uninitialised and sealed: health answers 501 with a body, which the client passes on.
      expect(await sys.health(overSocket)).toEqual(await sys.health(overTcp));
      const init = await sys.initialize(overSocket, 1, 1);
      await expect(sys.listMounts(overSocket)).rejects.toBeInstanceOf(VaultSealedError);
      await sys.submitUnsealKey(overSocket, init.keysBase64[0]!);
      rootToken = init.rootToken;
      const root = overSocket.withToken(rootToken);
      await expect(sys.listMounts(overSocket.withToken("hvs.not-a-token"))).rejects.toBeInstanceOf(VaultPermissionDeniedError);

      await sys.enableKv(root, "sock-kv", 1, "socket transport test"); // 204
      const big = { text: "é".repeat(20_000), nested: { list: Array.from({ length: 500 }, (_, i) => `value-${i}`) } };
      await kv1.write(root, "sock-kv", "big", big);
      expect(await kv1.read(root, "sock-kv", "big")).toEqual(big);
      for (let i = 0; i < 300; i++) await kv1.write(root, "sock-kv", `many/key-${String(i).padStart(3, "0")}`, { i });
      const listed = await kv1.list(root, "sock-kv", "many");
      expect(listed).toHaveLength(300);
      expect(listed).toEqual(await kv1.list(overTcp.withToken(init.rootToken), "sock-kv", "many"));
      expect(await sys.lookupSelf(root)).toMatchObject({ policies: ["root"] });
    });

    it("is sent large bodies chunked by Vault, which the client decodes", async () => {
      // Raw bytes first, so the test knows the chunked path ran: without a Content-Length, Go's
      // server chunks a body that does not fit its buffer.
      const raw = await new Promise<string>((resolve, reject) => {
        const connection = connect(socket, () => connection.write(`GET /v1/sock-kv/big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Vault-Token: ${rootToken}\r\n\r\n`));
        let text = "";
        connection.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
        connection.on("end", () => resolve(text));
        connection.on("error", reject);
      });
      expect(raw.slice(0, raw.indexOf("\r\n\r\n"))).toMatch(/\r\nTransfer-Encoding: chunked/i);
      const answer = await requestOverSocket(socket, "GET", "/v1/sock-kv/big", { "X-Vault-Token": rootToken }, undefined, 5000);
      expect(answer.statusCode).toBe(200);
      expect((JSON.parse(answer.text) as { data: { text: string } }).data.text).toBe("é".repeat(20_000));
    });

    it("fails like an unreachable Vault when nothing listens on the socket", async () => {
      const nowhere = new VaultClient({ url: "https://vault.invalid:8200", socketPath: join(dir, "missing.sock") });
      await expect(sys.health(nowhere)).rejects.toBeInstanceOf(VaultUnreachableError);
    });
  });
}
