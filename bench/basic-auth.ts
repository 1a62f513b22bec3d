import { performance } from 'node:perf_hooks';
import { hashPassword, VerifiedCredentials } from '../src/util/password-hash.js';

/**
 * The per-message cost of a charger's HTTP Basic check against a stored scrypt hash, once verified
 * (bench/README.md, "Basic auth per message"): `npx tsx bench/basic-auth.ts`.
 */
async function main(): Promise<void> {
  const stored = new Map<string, string>();
  for (let i = 0; i < 10; i++) stored.set(`CP-${i}`, hashPassword(`password-${i}`));
  const credentials = new VerifiedCredentials();
  const first = performance.now();
  for (const [identity, hash] of stored) await credentials.verify(identity, `password-${identity.slice(3)}`, hash);
  const scryptMs = (performance.now() - first) / stored.size;
  const identities = [...stored.keys()];
  const rounds = 5;
  const perRound = 200_000;
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < perRound; i++) {
      const identity = identities[i % identities.length]!;
      await credentials.verify(identity, `password-${identity.slice(3)}`, stored.get(identity)!);
    }
    results.push(((performance.now() - start) * 1000) / perRound);
  }
  results.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      firstCheckMs: Number(scryptMs.toFixed(1)),
      cachedCheckUsMedian: Number(results[Math.floor(rounds / 2)]!.toFixed(2)),
      cachedCheckUsWorst: Number(results.at(-1)!.toFixed(2)),
    }),
  );
}

void main();
