import {
  Body1,
  Button,
  Caption1,
  ProgressBar,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Title1,
  Toolbar,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { Counters, MappingView, PlanView, ProgressView, RunReport, RunView } from "../../ipc/client";
import {
  appStatus,
  cancelFullSync,
  listMappings,
  listRuns,
  onSyncProgress,
  previewPlan,
  startFullSync,
  startPlanApply,
} from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";
import { PlanPreview } from "./PlanPreview";
import { type Seen, paceText } from "./pace";
import { quotaText } from "./usage";

const useStyles = makeStyles({
  page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  // Fixed columns: the progress bar fills its own, the counters get the most room.
  progress: { width: "100%" },
  mappingColumn: { width: "25%" },
  directionColumn: { width: "15%" },
  statusColumn: { width: "14%" },
  progressColumn: { width: "18%" },
  records: { width: "28%" },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** How many recent runs are read to find the last full synchronization. */
const RECENT_RUNS = 20;

const DIRECTIONS: Record<MappingView["direction"], string> = {
  to_crm: "Business Central → Dataverse",
  from_crm: "Dataverse → Business Central",
  bidirectional: "Both ways",
};

const PHASES: Record<ProgressView["phase"], string> = {
  preparing: "Preparing",
  retrying: "Retrying failed records",
  synchronizing: "Synchronizing",
  finished: "Finished",
};

const STATES: Record<RunView["state"], string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  partially_succeeded: "Partially succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** A mapping's latest progress, when it came, and where its pass stood when first seen. */
type Tracked = { view: ProgressView; seen: Seen; at: number };

/** One pass of one run: a bidirectional mapping has two. */
function passKey(p: ProgressView): string {
  return `${p.run_id}/${p.mapping}/${p.direction}`;
}

function counterText(c: Counters): string {
  return `${c.inserted} created · ${c.modified} modified · ${c.unchanged} unchanged · ${c.failed} failed`;
}

function lastRunText(report: RunReport | undefined): string {
  if (!report) {
    return "No full synchronization has run yet.";
  }
  const run = report.run;
  const seconds = run.duration_ms === null ? "" : ` in ${(run.duration_ms / 1000).toFixed(1)} s`;
  const state = run.state.replace("_", " ");
  return `Last run: ${state}${seconds}${run.message ? `. ${run.message}` : "."}`;
}

/** One line per table mapping with its live progress, and Start / Cancel for a full sync. */
export function FullSyncPage() {
  const styles = useStyles();
  const queries = useQueryClient();
  // Per mapping: its latest progress, when it came, and where its pass stood when this window
  // first saw it (for the pace and the time left).
  const [progress, setProgress] = useState<Record<string, Tracked>>({});
  const [newestEvent, setNewestEvent] = useState<ProgressView | undefined>(undefined);
  const mappings = useQuery({ queryKey: ["mappings"], queryFn: listMappings });
  const status = useQuery({
    queryKey: ["app-status"],
    queryFn: appStatus,
    refetchInterval: (q) => (q.state.data?.sync_running ? 1000 : false),
  });
  const recentRuns = useQuery({ queryKey: ["runs", "recent"], queryFn: () => listRuns(RECENT_RUNS) });
  const lastFullSync = recentRuns.data?.find((r) => r.run.kind === "full_sync");
  const start = useMutation({
    mutationFn: startFullSync,
    onMutate: () => {
      setProgress({});
      setNewestEvent(undefined);
    },
    onSettled: () => queries.invalidateQueries({ queryKey: ["app-status"] }),
  });
  const cancel = useMutation({ mutationFn: cancelFullSync });
  const [plan, setPlan] = useState<PlanView | undefined>(undefined);
  const preview = useMutation({
    mutationFn: () => previewPlan({ kind: "full" }),
    onSuccess: setPlan,
  });
  const apply = useMutation({
    mutationFn: (id: string) => startPlanApply(id),
    onMutate: () => {
      setProgress({});
      setNewestEvent(undefined);
    },
    onSuccess: () => setPlan(undefined),
    onSettled: () => queries.invalidateQueries({ queryKey: ["app-status"] }),
  });
  const running = Boolean(status.data?.sync_running) || start.isPending || apply.isPending;
  // A window opened while the sync runs starts from the progress the app kept, then follows events.
  const kept = status.data?.sync_running ? status.data.sync_progress : [];
  const pace = (mapping: string): string => {
    const tracked = progress[mapping];
    return tracked ? paceText(tracked.seen, tracked.view.processed, tracked.view.total, tracked.at) : "";
  };
  const latest = (mapping: string): ProgressView | undefined =>
    progress[mapping]?.view ?? kept.filter((p) => p.mapping === mapping).at(-1);
  // The services' quota use, from the newest progress event of any mapping.
  const newest = newestEvent ?? kept.at(-1);
  const quota = newest ? quotaText(newest.erp_usage, newest.crm_usage) : "";

  useEffect(() => {
    let stop: (() => void) | undefined;
    let gone = false;
    void onSyncProgress((p) => {
      const at = Date.now();
      setNewestEvent(p);
      setProgress((all) => {
        const before = all[p.mapping];
        const seen = before && passKey(before.view) === passKey(p) ? before.seen : { at, processed: p.processed };
        return { ...all, [p.mapping]: { view: p, seen, at } };
      });
    }).then((unlisten) => {
      if (gone) {
        unlisten();
      } else {
        stop = unlisten;
      }
    });
    return () => {
      gone = true;
      stop?.();
    };
  }, []);

  const wasRunning = useRef(running);
  useEffect(() => {
    if (wasRunning.current && !running) {
      void queries.invalidateQueries({ queryKey: ["mappings"] });
      void queries.invalidateQueries({ queryKey: ["runs"] });
    }
    wasRunning.current = running;
  }, [running, queries]);

  return (
    <main className={styles.page}>
      <Title1 as="h1">Full synchronization</Title1>
      <Body1>
        Synchronizes every enabled table mapping in dependency order, couples records that match and creates the
        missing counterparts. It keeps running when you close this window.
      </Body1>
      <Toolbar aria-label="Full synchronization">
        <Button appearance="primary" disabled={running} onClick={() => start.mutate()}>
          Start
        </Button>
        <Button disabled={!running || cancel.isPending} onClick={() => cancel.mutate()}>
          Cancel
        </Button>
        <Button disabled={running || preview.isPending} onClick={() => preview.mutate()}>
          {preview.isPending ? "Planning…" : "Dry run"}
        </Button>
      </Toolbar>
      {preview.isError && <ErrorBar title="The dry run failed" error={preview.error} />}
      {apply.isError && <ErrorBar title="The plan was not applied" error={apply.error} />}
      {plan && (
        <PlanPreview
          plan={plan}
          applying={running}
          onApply={() => apply.mutate(plan.id)}
          onDiscard={() => setPlan(undefined)}
        />
      )}
      {start.isError && <ErrorBar title="The full synchronization did not start" error={start.error} />}
      {cancel.isError && <ErrorBar title="The full synchronization could not be cancelled" error={cancel.error} />}
      {mappings.isError && <ErrorBar title="The table mappings could not be read" error={mappings.error} />}
      <Caption1 className={styles.muted}>
        {running ? "Running…" : lastRunText(lastFullSync)}
      </Caption1>
      {quota && (
        <Caption1 className={styles.muted} aria-label="Quota used">
          {quota}
        </Caption1>
      )}
      <Table aria-label="Table mappings">
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={styles.mappingColumn}>Mapping</TableHeaderCell>
            <TableHeaderCell className={styles.directionColumn}>Direction</TableHeaderCell>
            <TableHeaderCell className={styles.statusColumn}>Status</TableHeaderCell>
            <TableHeaderCell className={styles.progressColumn}>Progress</TableHeaderCell>
            <TableHeaderCell className={styles.records}>Records</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {(mappings.data ?? []).map((m) => {
            const p = latest(m.name);
            // Between runs, each line shows how its part of the last full synchronization ended.
            const part = running ? undefined : lastFullSync?.children.find((c) => c.mapping === m.name);
            const finished =
              p?.phase === "finished" || (part !== undefined && part.state !== "running" && part.state !== "queued");
            const total = p?.total ?? null;
            return (
              <TableRow key={m.name}>
                <TableCell>
                  <Text weight="semibold">{m.name}</Text>
                  <br />
                  <Caption1 className={styles.muted}>
                    {m.erp_entity} ↔ {m.crm_entity} · {m.couplings} coupled
                  </Caption1>
                </TableCell>
                <TableCell>{DIRECTIONS[m.direction]}</TableCell>
                <TableCell>
                  {part ? STATES[part.state] : p ? PHASES[p.phase] : running ? "Waiting" : m.enabled ? "Ready" : "Disabled"}
                </TableCell>
                <TableCell>
                  <ProgressBar
                    className={styles.progress}
                    aria-label={`${m.name} progress`}
                    thickness="large"
                    max={finished ? 1 : (total ?? undefined)}
                    value={finished ? 1 : p && total !== null ? p.processed : running && p ? undefined : 0}
                  />
                  {p && (
                    <Caption1>
                      {p.processed}
                      {total !== null ? ` of ${total}` : ""} read
                      {p.phase !== "finished" && pace(m.name) ? ` · ${pace(m.name)}` : ""}
                    </Caption1>
                  )}
                </TableCell>
                <TableCell>{part ? counterText(part.counters) : p ? counterText(p.counters) : "–"}</TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </main>
  );
}
