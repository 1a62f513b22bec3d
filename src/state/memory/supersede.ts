import type { SupersedeIndex } from '../registry.js';
import type { PersistedMap } from './persist.js';

/** The newest message per charger and supersede key, in process memory. */
export class MemorySupersedeIndex implements SupersedeIndex {
  constructor(private readonly marks: PersistedMap<string>) {}

  async markLatest(identity: string, key: string, jobId: string): Promise<void> {
    this.marks.set(`${identity}\n${key}`, jobId);
  }

  async latest(identity: string, key: string): Promise<string | undefined> {
    return this.marks.get(`${identity}\n${key}`);
  }
}
