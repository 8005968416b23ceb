// Vault policies handed to vault-kv consumers. Names and paths come only from naming.ts and
// validated requests, so the rendered HCL cannot reach outside the consumer's mount.

const CRUDL = '["create", "read", "update", "delete", "list"]';

function mountUiPath(mount: string): string[] {
  return [`path "sys/internal/ui/mounts/${mount}" {`, '  capabilities = ["read"]', "}"];
}

/** Legacy isolated: only the unit's own host subtree of the backend. */
export function isolatedBackendPolicy(mount: string, hostname: string): string {
  return [`path "${mount}/${hostname}/*" {`, `  capabilities = ${CRUDL}`, "}", ...mountUiPath(mount), ""].join("\n");
}

/** Legacy shared and v0: the whole mount (kv-v2 paths included, as they sit under it). */
export function sharedBackendPolicy(mount: string): string {
  return [`path "${mount}/*" {`, `  capabilities = ${CRUDL}`, "}", ...mountUiPath(mount), ""].join("\n");
}
