import type { CpuProfile } from './profile.ts';
/** See cpuProfilePreload.mjs. */
export function sourceMappedProfile<P extends CpuProfile>(profile: P): P;
