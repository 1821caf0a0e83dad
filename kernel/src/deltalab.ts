/**
 * The `deltalab` module of notebook cells: the core (flat), the shaders (as the namespace `shaders`, since some of
 * their names repeat the core's, e.g. `convGeometry`), the display payloads' types and schemas (as `payloads`),
 * display helpers and every command as a typed function.
 * Cells import it with no install step: `import { Tensor, shaders, payloads, display } from "deltalab"`.
 */
export * from "@deltalab/core";
export * as shaders from "@deltalab/shaders";
export * as payloads from "@deltalab/core/payloads";
export { clearOutput, display, interruptSignal, newDisplay, DisplayHandle } from "./execution/cell-context";
export type { MimeBundle } from "./execution/display";
export {
  derive,
  texName,
  type DeriveOptions,
  type DeriveResult,
  type GradientCheck,
  type LocalDerivative,
} from "./commands/derive";
export {
  loadData,
  asSupervisedData,
  DATA_SOURCES,
  type DataResult,
  type DataSource,
  type LoadDataOptions,
} from "./commands/data";
export {
  buildLeNet5,
  buildModelFromSpec,
  summarizeModel,
  type LeNetOptions,
  type ModelSummary,
} from "./commands/model";
export { trainModel, type TrainCommandOptions, type TrainReport } from "./commands/train";
export {
  builtinTransform,
  resolveOptimizer,
  TRANSFORM_NAMES,
  METHOD_NAMES,
  type Optimizer,
} from "./commands/optimizers";
export { gradcheck, type GradcheckOptions, type GradcheckResult } from "./commands/gradcheck";
export {
  exercise,
  isExercise,
  Exercise,
  type CheckResult,
  type ExerciseSpec,
  type HintResult,
  type SolutionResult,
} from "./exercises/exercise";
export {
  compareAnswer,
  type Answer,
  type FormulaOptions,
  type Tolerance,
  type Verdict,
} from "./exercises/answer";
export {
  benchmark,
  benchReport,
  profilesPayload,
  mghBenchmarkSet,
  summarizeBenchmark,
  type BenchOptions,
  type BenchReport,
  type BenchSummaryRow,
} from "./commands/bench";
export {
  benchLenet5,
  trainingProfilesPayload,
  type TrainingBenchOptions,
  type TrainingBenchReport,
} from "./commands/benchTraining";
export {
  layerGeometry,
  layerMatrices,
  patternPng,
  type MatricesResult,
  type PoolKind,
} from "./commands/matrices";
export {
  lossSurface,
  planeObjective,
  surfaceFromRuns,
  runsTable,
  type SurfaceOptions,
  type SurfaceResult,
} from "./commands/surface";
export {
  stepThrough,
  stepsText,
  type StepEdit,
  type StepsResult,
  type StepThroughOptions,
} from "./commands/step";
export { runOptimizer, testSurface, type RunOptions, type RunRecord } from "./commands/trajectory";
export { tuneOperator, TUNABLE_OPERATORS } from "./commands/tune";
export { tuneStep, type StepTuning } from "./commands/tuneStep";
