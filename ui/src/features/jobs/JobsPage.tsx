import {
  Body1,
  Button,
  Caption1,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Title1,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { JobView } from "../../ipc/client";
import { listJobs, pauseJob, resumeJob, runJobNow } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";

const useStyles = makeStyles({
  page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  muted: { color: tokens.colorNeutralForeground3 },
  actions: { display: "flex", gap: tokens.spacingHorizontalS },
});

const STATUS: Record<string, string> = {
  ready: "Ready",
  on_hold: "On hold (runs when a side changes)",
  paused: "Paused",
  failed: "Stopped after failing",
};

/** A time as the page shows it: local date and time, or a dash. */
export function when(iso: string | null): string {
  return iso === null ? "–" : new Date(iso).toLocaleString();
}

function Actions({ job }: { job: JobView }) {
  const styles = useStyles();
  const queries = useQueryClient();
  const refresh = () => queries.invalidateQueries({ queryKey: ["jobs"] });
  const pause = useMutation({ mutationFn: () => pauseJob(job.id), onSuccess: refresh });
  const resume = useMutation({ mutationFn: () => resumeJob(job.id), onSuccess: refresh });
  const now = useMutation({ mutationFn: () => runJobNow(job.id), onSuccess: refresh });
  const failed = pause.error ?? resume.error ?? now.error;
  const stopped = job.status === "paused" || job.status === "failed";
  return (
    <div>
      <div className={styles.actions}>
        {stopped ? (
          <Button size="small" onClick={() => resume.mutate()}>
            Resume
          </Button>
        ) : (
          <>
            <Button size="small" onClick={() => now.mutate()}>
              Run now
            </Button>
            <Button size="small" onClick={() => pause.mutate()}>
              Pause
            </Button>
          </>
        )}
      </div>
      {failed && <ErrorBar title={`${job.work}: not changed`} error={failed} />}
    </div>
  );
}

/** The job queue: every scheduled job, when it runs next, and what it did last. */
export function JobsPage() {
  const styles = useStyles();
  const jobs = useQuery({ queryKey: ["jobs"], queryFn: listJobs, refetchInterval: 30_000 });
  return (
    <main className={styles.page}>
      <Title1 as="h1">Scheduled jobs</Title1>
      <Body1>
        Each enabled mapping synchronizes its changes on its own schedule while Couplet runs. A job whose last run
        found nothing to do waits on hold and runs as soon as either side changes.
      </Body1>
      {jobs.isError && <ErrorBar title="The jobs could not be read" error={jobs.error} />}
      {jobs.isPending && <Spinner label="Reading the jobs…" />}
      {jobs.data && (
        <Table aria-label="Jobs">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Work</TableHeaderCell>
              <TableHeaderCell>Every</TableHeaderCell>
              <TableHeaderCell>Status</TableHeaderCell>
              <TableHeaderCell>Next run</TableHeaderCell>
              <TableHeaderCell>Last run</TableHeaderCell>
              <TableHeaderCell>Actions</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {jobs.data.map((j) => (
              <TableRow key={j.id}>
                <TableCell>{j.work}</TableCell>
                <TableCell>{j.every_minutes} min</TableCell>
                <TableCell>
                  {STATUS[j.status] ?? j.status}
                  {j.failures > 0 && (
                    <>
                      <br />
                      <Caption1 className={styles.muted}>{j.failures} failed runs in a row</Caption1>
                    </>
                  )}
                </TableCell>
                <TableCell>{when(j.next_run_at)}</TableCell>
                <TableCell>{when(j.last_run_at)}</TableCell>
                <TableCell>
                  <Actions job={j} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </main>
  );
}
