/**
 * Compile-time proof that the renderer-facing copies in engine-api.ts still
 * match the engine's own job contract (src/jobs/contract.ts). engine-api.ts
 * cannot import contract.ts (the renderer type-checks it without Node types),
 * so the two are compared here instead: if either side changes, `tsc` fails
 * on the line that names the type. Nothing here exists at run time.
 */
import type * as Api from './engine-api.js';
import type * as Jobs from '../jobs/contract.js';
import type { BackendChoice } from '../engine/backend.js';
import type { GncErrorKind } from '../util/errors.js';

/** Resolves to true only when A and B are mutually assignable. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type ContractSync = [
  Assert<Same<Api.SolverSettings, Jobs.SolverSettings255>>,
  Assert<Same<Api.TracePoint, Jobs.TracePoint>>,
  Assert<Same<Api.JobProgress, Jobs.JobProgress>>,
  Assert<Same<Api.BackendReport, Jobs.BackendReport>>,
  Assert<Same<Api.BackendChoice, BackendChoice>>,
  Assert<Same<Api.TrainSettings, NonNullable<Jobs.TrainJobRequest['settings']>>>,
  // Every engine error kind can cross the API.
  Assert<GncErrorKind extends Api.ApiErrorKind ? true : false>,
  Assert<Jobs.JobError['kind'] extends Api.ApiErrorKind ? true : false>,
];
