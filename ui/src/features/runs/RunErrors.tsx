import {
  Button,
  Caption1,
  SearchBox,
  Spinner,
  Subtitle1,
  Toolbar,
  ToolbarDivider,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { ArrowClockwiseRegular, ArrowRepeatAllRegular } from "@fluentui/react-icons";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { RunView } from "../../ipc/client";
import { listRunErrors } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";
import { withToggled } from "../../components/selection";
import { ErrorGroupView } from "./ErrorGroupView";
import { formatTime, groupByMessage, runTitle, searchErrors } from "./format";

/** How many sync errors of a run are read at once. */
const ERROR_LIMIT = 5000;

const useStyles = makeStyles({
  panel: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  muted: { color: tokens.colorNeutralForeground3 },
  search: { minWidth: "280px" },
});

/** "3 errors with 2 different messages · 1 selected"; "1 of 3 errors match, with 1 message" while searching. */
function summary(total: number, shown: number, messages: number, selected: number): string {
  const errors = `${total === ERROR_LIMIT ? "the first " : ""}${total} error${total === 1 ? "" : "s"}`;
  const different = `${messages} ${shown < total ? "" : "different "}message${messages === 1 ? "" : "s"}`;
  const head = shown < total ? `${shown} of ${errors} match, with ${different}` : `${errors} with ${different}`;
  const text = `${head}${selected > 0 ? ` · ${selected} selected` : ""}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What to retry: chosen sync errors, or every failed record of a run. */
export type RetryRequest = { errorIds: number[] } | { run: string };

/** The query key of a run's sync errors; ["run-errors"] covers all of them. */
export function runErrorsKey(run: string) {
  return ["run-errors", run];
}

interface RunErrorsProps {
  run: RunView;
  /** Whether the run is still going, so its errors are read again every 2 s. */
  active: boolean;
  /** Runs a retry; resolves once it worked, rejects if it failed (the page shows why). */
  retry: (request: RetryRequest) => Promise<unknown>;
  busy: boolean;
}

/** The sync errors of one run, grouped by message, with Retry per record, per group, selected and all. */
export function RunErrors({ run, active, retry, busy }: RunErrorsProps) {
  const styles = useStyles();
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [search, setSearch] = useState("");
  const errors = useQuery({
    queryKey: runErrorsKey(run.id),
    queryFn: () => listRunErrors(run.id, ERROR_LIMIT),
    refetchInterval: active ? 2000 : false,
  });
  const list = errors.data ?? [];
  const shown = searchErrors(list, search);
  const groups = groupByMessage(shown);

  const select = (ids: number[], on: boolean) => setSelected((all) => withToggled(all, ids, on));
  const start = (request: RetryRequest) =>
    retry(request).then(
      () => setSelected(new Set()),
      () => undefined,
    );

  return (
    <section className={styles.panel} aria-label="Errors of the selected run">
      <Subtitle1 as="h2">
        Errors of {runTitle(run)} · {formatTime(run.started_at)}
      </Subtitle1>
      <Toolbar aria-label="Errors">
        <Button
          icon={<ArrowRepeatAllRegular />}
          disabled={busy || active || list.length === 0}
          onClick={() => void start({ run: run.id })}
        >
          Retry all failed
        </Button>
        <Button
          icon={<ArrowClockwiseRegular />}
          disabled={busy || selected.size === 0}
          onClick={() => void start({ errorIds: [...selected] })}
        >
          Retry selected
        </Button>
        <ToolbarDivider />
        <SearchBox
          className={styles.search}
          aria-label="Search errors"
          placeholder="Record id, message, cause or mapping"
          value={search}
          onChange={(_, data) => setSearch(data.value)}
        />
        {busy && <Spinner size="tiny" label="Retrying…" />}
      </Toolbar>
      {errors.isPending && <Spinner label="Reading the errors…" />}
      {errors.isError && <ErrorBar title="The errors of this run could not be read" error={errors.error} />}
      {errors.isSuccess && list.length === 0 && <Caption1>This run had no errors.</Caption1>}
      {list.length > 0 && (
        <Caption1 className={styles.muted}>{summary(list.length, shown.length, groups.length, selected.size)}</Caption1>
      )}
      {list.length > 0 && groups.length === 0 && <Caption1>No error matches “{search.trim()}”.</Caption1>}
      {groups.map((g) => (
        <ErrorGroupView
          key={g.message}
          group={g}
          selected={selected}
          onSelect={select}
          onRetry={(ids) => void start({ errorIds: ids })}
          busy={busy}
        />
      ))}
    </section>
  );
}
