// The one module that talks to the Couplet backend. Screens call these functions; a command's
// failure arrives as a thrown `CommandError` whose `code` the UI branches on (never the text).
import { commands, events } from "./bindings";
import type {
  ApiError,
  AppStatus,
  ConnectionReport,
  ErrorCode,
  MappingView,
  ProgressView,
  RunReport,
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

/** Starts the emulated systems inside the app and connects to them. */
export function startDemo(): Promise<ConnectionReport[]> {
  return unwrap(commands.demoStart());
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

/** Calls `handler` with each progress report; resolves to a function that stops listening. */
export function onSyncProgress(handler: (progress: ProgressView) => void): Promise<() => void> {
  return events.syncProgress.listen((event) => handler(event.payload));
}
