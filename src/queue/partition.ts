/** Partition of a charger: FNV-1a of the identity, so every instance agrees without coordination. */
export function partitionOf(identity: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < identity.length; i++) {
    hash ^= identity.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
