// Secret-ids that `generate-secret-id` hands to workers (the worker/runner pattern) live on their
// own: they carry this mark in their Vault metadata and a lifetime of their own (the action's
// `ttl`), and the consumer's credential rotation, which retires the secret-ids it issued and any
// stray it finds, leaves them alone. They end at their ttl, or with the role when its consumer
// unit leaves.
export const WORKER_METADATA = { "issued-by": "generate-secret-id" } as const;

export function isWorkerSecretId(metadata: Record<string, string> | null): boolean {
  return metadata?.["issued-by"] === WORKER_METADATA["issued-by"];
}
