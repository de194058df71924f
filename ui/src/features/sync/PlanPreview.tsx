import {
  Button,
  Caption1,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Toolbar,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import type { MappingPlanView, PlanCountsView, PlanView, PlannedRecordView } from "../../ipc/client";

const useStyles = makeStyles({
  panel: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalL,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  muted: { color: tokens.colorNeutralForeground3 },
  change: { fontFamily: tokens.fontFamilyMonospace },
});

/** How many records of each mapping the panel lists; the counts cover them all. */
export const RECORDS_SHOWN = 50;

const COLUMNS: { key: keyof PlanCountsView; label: string }[] = [
  { key: "create", label: "Create" },
  { key: "update", label: "Update" },
  { key: "couple", label: "Couple" },
  { key: "unchanged", label: "Unchanged" },
  { key: "conflict", label: "Conflict" },
  { key: "skip", label: "Skip" },
  { key: "delete", label: "Delete" },
  { key: "fail", label: "Fail" },
];

const ACTIONS: Record<string, string> = {
  create: "Create",
  update: "Update",
  couple: "Couple",
  conflict: "Conflict",
  skip: "Skip",
  delete: "Remove coupling",
  fail: "Fail",
};

const PASSES: Record<PlannedRecordView["pass"], string> = {
  to_crm: "→ Dataverse",
  from_crm: "→ Business Central",
  bidirectional: "both ways",
};

/** A value as the panel shows it: text quoted, nothing as a dash. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) {
    return "—";
  }
  if (typeof value === "string") {
    return `"${value}"`;
  }
  return JSON.stringify(value);
}

function RecordLine({ record }: { record: PlannedRecordView }) {
  const styles = useStyles();
  return (
    <li>
      <Text weight="semibold">{ACTIONS[record.action] ?? record.action}</Text> {PASSES[record.pass]}{" "}
      <Caption1 className={styles.muted}>{record.source}</Caption1>
      {record.reason && (
        <>
          <br />
          <Caption1>{record.reason}</Caption1>
        </>
      )}
      {record.changes.length > 0 && (
        <ul aria-label="Field changes">
          {record.changes.map((c) => (
            <li key={c.field} className={styles.change}>
              {c.field}: {valueText(c.old)} → {valueText(c.new)}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function MappingRecords({ plan }: { plan: MappingPlanView }) {
  const styles = useStyles();
  if (plan.records.length === 0 && !plan.message) {
    return null;
  }
  const hidden = plan.records.length - RECORDS_SHOWN;
  return (
    <section aria-label={`${plan.mapping} records`}>
      <Subtitle2 as="h3">{plan.mapping}</Subtitle2>
      {plan.message && <Caption1>Planning stopped: {plan.message}</Caption1>}
      <ul>
        {plan.records.slice(0, RECORDS_SHOWN).map((r) => (
          <RecordLine key={`${r.pass}/${r.source}`} record={r} />
        ))}
      </ul>
      {hidden > 0 && (
        <Caption1 className={styles.muted}>
          {hidden} more not listed here; `couplet plan --json` shows them all.
        </Caption1>
      )}
    </section>
  );
}

/** A dry run's result: counts per mapping, the records it writes with their field changes old →
 * new, and the buttons to apply exactly this plan or to put it aside. */
export function PlanPreview(props: {
  plan: PlanView;
  applying: boolean;
  onApply: () => void;
  onDiscard: () => void;
}) {
  const { plan } = props;
  const styles = useStyles();
  return (
    <section className={styles.panel} aria-label="Dry run">
      <Subtitle2 as="h2">Dry run of the {plan.scope}</Subtitle2>
      <Caption1 className={styles.muted}>
        Nothing was written. Applying writes exactly these changes; a record changed since this dry run fails
        alone and asks for a new one.
      </Caption1>
      <Table aria-label="Planned changes per mapping" size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Mapping</TableHeaderCell>
            {COLUMNS.map((c) => (
              <TableHeaderCell key={c.key}>{c.label}</TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {plan.mappings.map((m) => (
            <TableRow key={m.mapping}>
              <TableCell>{m.mapping}</TableCell>
              {COLUMNS.map((c) => (
                <TableCell key={c.key}>{m.counts[c.key]}</TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {plan.mappings.map((m) => (
        <MappingRecords key={m.mapping} plan={m} />
      ))}
      <Toolbar aria-label="Dry run actions">
        <Button appearance="primary" disabled={props.applying} onClick={props.onApply}>
          Apply this plan
        </Button>
        <Button disabled={props.applying} onClick={props.onDiscard}>
          Discard
        </Button>
      </Toolbar>
    </section>
  );
}
