/** Jobs slice: migration jobs by id, newest first when listed. */
import type { StateCreator } from 'zustand/vanilla';
import type { MigrationJob } from '../../src-main/api/contract';
import type { XdcState } from './store';

export interface JobsSlice {
  jobs: Record<string, MigrationJob>;
  upsertJob(job: MigrationJob): void;
  setJobs(jobs: readonly MigrationJob[]): void;
}

export const createJobsSlice: StateCreator<XdcState, [], [], JobsSlice> = (set) => ({
  jobs: {},
  upsertJob: (job) => set((s) => ({ jobs: { ...s.jobs, [job.id]: job } })),
  setJobs: (jobs) => set({ jobs: Object.fromEntries(jobs.map((j) => [j.id, j])) }),
});
