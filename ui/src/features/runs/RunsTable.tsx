import {
  Badge,
  Button,
  Caption1,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  TableSelectionCell,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
} from "@fluentui/react-components";
import type { BadgeProps } from "@fluentui/react-components";
import { ChevronDownRegular, ChevronRightRegular } from "@fluentui/react-icons";
import { useState } from "react";
import type { KeyboardEvent } from "react";
import type { RunReport, RunState, RunView } from "../../ipc/client";
import { DIRECTION_TEXT, STATE_TEXT, counterParts, formatDuration, formatTime, runTitle } from "./format";

const useStyles = makeStyles({
  row: { cursor: "pointer" },
  child: { backgroundColor: tokens.colorNeutralBackground3 },
  childTitle: { paddingLeft: tokens.spacingHorizontalXXL },
  what: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalXS },
  muted: { color: tokens.colorNeutralForeground3 },
  failed: { color: tokens.colorPaletteRedForeground1, fontWeight: tokens.fontWeightSemibold },
  counters: { display: "flex", flexWrap: "wrap", columnGap: tokens.spacingHorizontalS },
  expander: { minWidth: "24px" },
  // The table lays out fixed columns; these widths keep titles, dates and badges on their lines.
  whatColumn: { width: "30%" },
  startedColumn: { width: "124px" },
  durationColumn: { width: "72px" },
  stateColumn: { width: "156px" },
  recordsColumn: { width: "124px" },
  badge: { whiteSpace: "nowrap" },
});

const STATE_COLOR: Record<RunState, BadgeProps["color"]> = {
  queued: "informative",
  running: "brand",
  succeeded: "success",
  partially_succeeded: "warning",
  failed: "danger",
  cancelled: "subtle",
};

/** A run's state as a coloured badge; a running one spins. */
export function StateBadge({ state }: { state: RunState }) {
  const styles = useStyles();
  const going = state === "running" || state === "queued";
  return (
    <Badge
      className={styles.badge}
      appearance="tint"
      color={STATE_COLOR[state]}
      icon={going ? <Spinner size="extra-tiny" aria-hidden /> : undefined}
    >
      {STATE_TEXT[state]}
    </Badge>
  );
}

function Counts({ run }: { run: RunView }) {
  const styles = useStyles();
  const parts = counterParts(run.counters);
  if (parts.length === 0) {
    return <Caption1 className={styles.muted}>–</Caption1>;
  }
  return (
    <span className={styles.counters}>
      {parts.map(([key, text]) => (
        <Caption1 key={key} className={key === "failed" ? styles.failed : undefined}>
          {text}
        </Caption1>
      ))}
    </span>
  );
}

interface RunRowProps {
  run: RunView;
  selected: boolean;
  onSelect: (run: RunView) => void;
  child?: boolean;
  expanded?: boolean;
  onToggle?: () => void;
}

function RunRow({ run, selected, onSelect, child, expanded, onToggle }: RunRowProps) {
  const styles = useStyles();
  const title = runTitle(run);
  const started = formatTime(run.started_at);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onSelect(run);
    }
  };
  return (
    <TableRow
      className={mergeClasses(styles.row, child && styles.child)}
      aria-selected={selected}
      onClick={() => onSelect(run)}
      onKeyDown={onKeyDown}
    >
      <TableSelectionCell
        type="radio"
        checked={selected}
        radioIndicator={{ "aria-label": `Select run ${title} ${started}` }}
      />
      <TableCell>
        <div className={mergeClasses(styles.what, child && styles.childTitle)}>
          {onToggle && (
            <Button
              className={styles.expander}
              appearance="subtle"
              size="small"
              icon={expanded ? <ChevronDownRegular /> : <ChevronRightRegular />}
              aria-label={expanded ? "Hide parts" : "Show parts"}
              aria-expanded={expanded}
              onClick={(e) => {
                e.stopPropagation();
                onToggle();
              }}
            />
          )}
          <div>
            <Text weight={child ? "regular" : "semibold"}>{title}</Text>
            {run.direction && (
              <>
                <br />
                <Caption1 className={styles.muted}>{DIRECTION_TEXT[run.direction]}</Caption1>
              </>
            )}
          </div>
        </div>
      </TableCell>
      <TableCell>{started}</TableCell>
      <TableCell>{formatDuration(run.duration_ms)}</TableCell>
      <TableCell>
        <StateBadge state={run.state} />
      </TableCell>
      <TableCell>
        <Counts run={run} />
      </TableCell>
      <TableCell>
        <Caption1>{run.message ?? ""}</Caption1>
      </TableCell>
    </TableRow>
  );
}

/** The runs, newest first; a run with parts can be expanded; clicking a row selects it. */
export function RunsTable({
  reports,
  selected,
  onSelect,
}: {
  reports: RunReport[];
  selected: string | null;
  onSelect: (run: RunView) => void;
}) {
  const styles = useStyles();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((all) => {
      const next = new Set(all);
      if (!next.delete(id)) {
        next.add(id);
      }
      return next;
    });
  return (
    <Table aria-label="Runs" size="small">
      <TableHeader>
        <TableRow>
          <TableSelectionCell type="radio" invisible />
          <TableHeaderCell className={styles.whatColumn}>What</TableHeaderCell>
          <TableHeaderCell className={styles.startedColumn}>Started</TableHeaderCell>
          <TableHeaderCell className={styles.durationColumn}>Duration</TableHeaderCell>
          <TableHeaderCell className={styles.stateColumn}>State</TableHeaderCell>
          <TableHeaderCell className={styles.recordsColumn}>Records</TableHeaderCell>
          <TableHeaderCell>Message</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {reports.map(({ run, children }) => {
          const open = expanded.has(run.id);
          return [
            <RunRow
              key={run.id}
              run={run}
              selected={selected === run.id}
              onSelect={onSelect}
              expanded={open}
              onToggle={children.length > 0 ? () => toggle(run.id) : undefined}
            />,
            ...(open
              ? children.map((c) => (
                  <RunRow key={c.id} run={c} selected={selected === c.id} onSelect={onSelect} child />
                ))
              : []),
          ];
        })}
      </TableBody>
    </Table>
  );
}
