// The one module that talks to the Couplet backend. Screens call these functions; a command's
// failure arrives as a thrown `CommandError` whose `code` the UI branches on (never the text).
import { commands, events } from "./bindings";
import type {
  ApiError,
  AppStatus,
  ConflictView,
  ConnectionInput,
  ConnectionReport,
  ConnectionTestView,
  CouplingView,
  DemoSetup,
  FieldChoice,
  JobView,
  Direction,
  ErrorCode,
  ConflictRuleView,
  DeletionRuleView,
  MappingSettingsView,
  MappingView,
  PlanRequest,
  PlanView,
  ProgressView,
  RecordList,
  ResolvedView,
  RunReport,
  Side,
  SyncError,
} from "./bindings";

// Screens take the backend's types from here too, never from the bindings.
export type * from "./bindings";

/** A command's failure, as the backend classified it. */
export class CommandError extends Error {
  readonly code: ErrorCode;
  readonly details: string[];
  readonly retryable: boolean;

  constructor(error: ApiError) {
    super(error.message);
    this.name = "CommandError";
    this.code = error.code;
    this.details = error.details;
    this.retryable = error.retryable;
  }
}

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const outcome = await call;
  if (outcome.status === "error") {
    throw new CommandError(outcome.error);
  }
  return outcome.data;
}

/** Which sides are connected, whether the demo runs and whether a full sync runs. */
export function appStatus(): Promise<AppStatus> {
  return unwrap(commands.appStatus());
}

/** Starts the emulated systems inside the app and connects to them (after a restart). */
export function startDemo(): Promise<ConnectionReport[]> {
  return unwrap(commands.demoStart());
}

/** Starts the emulated systems without connecting; resolves to the wizard's inputs. */
export function prepareDemo(): Promise<DemoSetup> {
  return unwrap(commands.demoPrepare());
}

/** Tests one side step by step; saves nothing. */
export function testConnection(input: ConnectionInput): Promise<ConnectionTestView> {
  return unwrap(commands.connectionTest(input));
}

/** The wizard's Finish: tests both sides, then saves them and enables the chosen mappings. */
export function finishSetup(
  erp: ConnectionInput,
  crm: ConnectionInput,
  mappings: string[],
): Promise<ConnectionReport[]> {
  return unwrap(commands.setupFinish(erp, crm, mappings));
}

/** The table mappings a new connection gets, for the wizard's choice. */
export function mappingCatalog(): Promise<MappingView[]> {
  return commands.mappingCatalog();
}

/** Every record of one side of a mapping, with its counterpart and status. */
export function listRecords(mapping: string, side: Side): Promise<RecordList> {
  return unwrap(commands.mappingRecords(mapping, side));
}

/** Couples one Business Central record and one Dataverse record by hand. */
export function coupleRecords(mapping: string, erpId: string, crmId: string): Promise<CouplingView> {
  return unwrap(commands.recordsCouple(mapping, erpId, crmId));
}

/** Uncouples the records `ids` of `side`; resolves to how many were coupled. */
export function uncoupleRecords(mapping: string, side: Side, ids: string[]): Promise<number> {
  return unwrap(commands.recordsUncouple(mapping, side, ids));
}

/** Synchronizes chosen records now; uncoupled ones are matched or created. */
export function syncRecords(
  mapping: string,
  side: Side,
  ids: string[],
  direction?: Direction,
): Promise<RunReport> {
  return unwrap(commands.recordsSync(mapping, side, ids, direction ?? null));
}

/** Synchronizes again the records of the chosen sync errors. */
export function retryErrors(errorIds: number[]): Promise<RunReport[]> {
  return unwrap(commands.errorsRetry(errorIds));
}

/** Synchronizes again every record that failed in a run. */
export function retryRun(run: string): Promise<RunReport[]> {
  return unwrap(commands.runRetry(run));
}

/** The table mappings with their coupling counts. */
export function listMappings(): Promise<MappingView[]> {
  return unwrap(commands.mappingList());
}

/** The newest runs with their parts. */
export function listRuns(limit?: number): Promise<RunReport[]> {
  return unwrap(commands.runList(limit ?? null));
}

/** The sync errors of one run, or of all runs. */
export function listRunErrors(run?: string, limit?: number): Promise<SyncError[]> {
  return unwrap(commands.runErrors(run ?? null, limit ?? null));
}

/** Starts a full synchronization in the background; resolves to its run id. */
export function startFullSync(): Promise<string> {
  return unwrap(commands.fullSyncStart());
}

/** Asks the running full synchronization to stop. */
export function cancelFullSync(): Promise<null> {
  return unwrap(commands.fullSyncCancel());
}

/** Plans a synchronization without writing anything; the plan is kept to be applied. */
export function previewPlan(request: PlanRequest): Promise<PlanView> {
  return unwrap(commands.planPreview(request));
}

/** Applies a kept dry run in the background, exactly as shown; resolves to its run id. */
export function startPlanApply(planId: string): Promise<string> {
  return unwrap(commands.planApplyStart(planId));
}

/** The open conflicts (resolved ones too with `includeResolved`), newest first. */
export function listConflicts(includeResolved = false): Promise<ConflictView[]> {
  return unwrap(commands.conflictList(includeResolved));
}

/** Resolves a conflict: each field keeps the chosen side's value, written to the other side. */
export function resolveConflict(id: number, choices: FieldChoice[]): Promise<ResolvedView> {
  return unwrap(commands.conflictResolve(id, choices));
}

/** The scheduled jobs, soonest due first. */
export function listJobs(): Promise<JobView[]> {
  return unwrap(commands.jobList());
}

/** Puts a job on hold until resumed. */
export function pauseJob(id: string): Promise<JobView> {
  return unwrap(commands.jobPause(id));
}

/** Lets a paused or failed job run again. */
export function resumeJob(id: string): Promise<JobView> {
  return unwrap(commands.jobResume(id));
}

/** Makes a job due now; the app runs it within a minute. */
export function runJobNow(id: string): Promise<JobView> {
  return unwrap(commands.jobRunNow(id));
}

/** Every table mapping's settings (enabled, conflict rule, deletion rule). */
export function listMappingSettings(): Promise<MappingSettingsView[]> {
  return unwrap(commands.mappingSettings());
}

/** What to change in a mapping's settings; what is left out stays as it is. */
export type MappingSettingsChange = {
  enabled?: boolean;
  updateConflict?: ConflictRuleView;
  deletionConflict?: DeletionRuleView;
};

/** Changes a mapping's settings and resolves to them as saved. */
export function updateMappingSettings(name: string, change: MappingSettingsChange): Promise<MappingSettingsView> {
  return unwrap(
    commands.mappingSettingsUpdate(
      name,
      change.enabled ?? null,
      change.updateConflict ?? null,
      change.deletionConflict ?? null,
    ),
  );
}

/** Calls `handler` with each progress report; resolves to a function that stops listening. */
export function onSyncProgress(handler: (progress: ProgressView) => void): Promise<() => void> {
  return events.syncProgress.listen((event) => handler(event.payload));
}
