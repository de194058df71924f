import {
  Body1,
  Button,
  Caption1,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Title1,
  ToggleButton,
  Toolbar,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { ArrowClockwiseRegular, DismissRegular, FilterRegular } from "@fluentui/react-icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { RunReport, RunView } from "../../ipc/client";
import { listRuns, retryErrors, retryRun } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";
import { RunErrors } from "./RunErrors";
import type { RetryRequest } from "./RunErrors";
import { RunsTable } from "./RunsTable";
import { hasFailures, isActive, retryOutcome } from "./format";

/** How many runs the log lists. */
const RUN_LIMIT = 50;

const useStyles = makeStyles({
  page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** The run `id` as currently listed (at the top or as a part), if it is. */
function findRun(reports: RunReport[], id: string): RunView | undefined {
  for (const r of reports) {
    if (r.run.id === id) return r.run;
    const child = r.children.find((c) => c.id === id);
    if (child) return child;
  }
  return undefined;
}

interface RetryResultProps {
  reports: RunReport[];
  onShow: (run: RunView) => void;
  onDismiss: () => void;
}

/** The outcome of a finished retry, with a way to the new run when there is one. */
function RetryResult({ reports, onShow, onDismiss }: RetryResultProps) {
  const outcome = retryOutcome(reports);
  const only = reports.length === 1 ? reports[0] : undefined;
  return (
    <MessageBar intent={outcome.intent} role="status">
      <MessageBarBody>
        <MessageBarTitle>Retry finished</MessageBarTitle>
        {outcome.text}
      </MessageBarBody>
      <MessageBarActions
        containerAction={
          <Button appearance="transparent" aria-label="Dismiss" icon={<DismissRegular />} onClick={onDismiss} />
        }
      >
        {only && <Button onClick={() => onShow(only.run)}>Show new run</Button>}
      </MessageBarActions>
    </MessageBar>
  );
}

/**
 * The synchronization log: the newest runs with their state, duration and counters, and the sync errors of
 * the selected run grouped by message, each retryable. After a retry the selection stays on the run the user
 * was looking at; the outcome offers to show the new run.
 */
export function RunsPage() {
  const styles = useStyles();
  const queries = useQueryClient();
  const [picked, setPicked] = useState<RunView | null>(null);
  const [onlyFailures, setOnlyFailures] = useState(false);
  const runs = useQuery({
    queryKey: ["runs", "log", RUN_LIMIT],
    queryFn: () => listRuns(RUN_LIMIT),
    refetchInterval: (q) => (q.state.data?.some(isActive) ? 2000 : false),
  });
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: ["runs"] });
    void queries.invalidateQueries({ queryKey: ["run-errors"] });
  };
  const retry = useMutation({
    mutationFn: (request: RetryRequest) => ("run" in request ? retryRun(request.run) : retryErrors(request.errorIds)),
    onSettled: () => {
      refresh();
      void queries.invalidateQueries({ queryKey: ["mappings"] });
    },
  });

  const reports = runs.data ?? [];
  const listed = onlyFailures ? reports.filter(hasFailures) : reports;
  const selected = picked ? (findRun(reports, picked.id) ?? picked) : null;
  const selectedActive = selected !== null && (selected.state === "running" || selected.state === "queued");

  return (
    <main className={styles.page}>
      <Title1 as="h1">Synchronization log</Title1>
      <Body1>
        Every synchronization with what it did. Select a run to see the records that failed, why, and what to do;
        then retry them.
      </Body1>
      <Toolbar aria-label="Synchronization log">
        <Button icon={<ArrowClockwiseRegular />} onClick={refresh}>
          Refresh
        </Button>
        <ToggleButton
          icon={<FilterRegular />}
          checked={onlyFailures}
          onClick={() => setOnlyFailures(!onlyFailures)}
        >
          Only with failures
        </ToggleButton>
        {runs.isFetching && !runs.isPending && <Spinner size="tiny" aria-label="Refreshing" />}
      </Toolbar>
      {runs.isPending && <Spinner label="Reading the runs…" />}
      {runs.isError && <ErrorBar title="The runs could not be read" error={runs.error} />}
      {runs.isSuccess && reports.length === 0 && <Body1>No synchronization has run yet.</Body1>}
      {reports.length > 0 && listed.length === 0 && <Body1>None of the last {reports.length} runs had failures.</Body1>}
      {listed.length > 0 && <RunsTable reports={listed} selected={selected?.id ?? null} onSelect={setPicked} />}
      {retry.isError && <ErrorBar title="The records could not be retried" error={retry.error} />}
      {retry.isSuccess && <RetryResult reports={retry.data} onShow={setPicked} onDismiss={() => retry.reset()} />}
      {selected ? (
        <RunErrors
          key={selected.id}
          run={selected}
          active={selectedActive}
          retry={(request) => retry.mutateAsync(request)}
          busy={retry.isPending}
        />
      ) : (
        reports.length > 0 && <Caption1 className={styles.muted}>Select a run to see its errors.</Caption1>
      )}
    </main>
  );
}
