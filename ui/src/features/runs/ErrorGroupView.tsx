import {
  Badge,
  Body1,
  Button,
  Caption1,
  Checkbox,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  TableSelectionCell,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { ArrowClockwiseRegular, ChevronDownRegular, ChevronRightRegular } from "@fluentui/react-icons";
import { useState } from "react";
import type { SyncError } from "../../ipc/client";
import type { ErrorGroup } from "./format";
import { DIRECTION_TEXT, formatTime, shortId } from "./format";

/** How many records of a group are listed before "Show more". */
const PAGE = 100;

const useStyles = makeStyles({
  group: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  head: { display: "flex", alignItems: "flex-start", gap: tokens.spacingHorizontalS },
  summary: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS, flexGrow: 1 },
  muted: { color: tokens.colorNeutralForeground3 },
  cause: { color: tokens.colorNeutralForeground3, wordBreak: "break-word" },
  id: { fontFamily: tokens.fontFamilyMonospace },
});

function plural(n: number): string {
  return `${n} record${n === 1 ? "" : "s"}`;
}

/** The mappings and directions a group's records belong to, e.g. "CUSTOMER · Business Central → Dataverse". */
function whereText(errors: SyncError[]): string {
  const where = new Set(errors.map((e) => `${e.mapping} · ${DIRECTION_TEXT[e.direction]}`));
  return [...where].join("; ");
}

interface ErrorGroupProps {
  group: ErrorGroup;
  selected: ReadonlySet<number>;
  onSelect: (ids: number[], on: boolean) => void;
  onRetry: (ids: number[]) => void;
  busy: boolean;
}

/** One cause as one line (count, message, where), expandable to its records with a Retry each. */
export function ErrorGroupView({ group, selected, onSelect, onRetry, busy }: ErrorGroupProps) {
  const styles = useStyles();
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState(PAGE);
  const ids = group.errors.map((e) => e.id);
  const picked = ids.filter((id) => selected.has(id)).length;
  const causes = new Set(group.errors.map((e) => e.cause));
  const sharedCause = causes.size === 1 ? [...causes][0] : null;
  const count = plural(group.errors.length);
  return (
    <section className={styles.group} aria-label={`${count}: ${group.message}`}>
      <div className={styles.head}>
        <Button
          appearance="subtle"
          size="small"
          icon={open ? <ChevronDownRegular /> : <ChevronRightRegular />}
          aria-label={open ? "Hide records" : "Show records"}
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        />
        <Checkbox
          aria-label="Select group"
          checked={picked === 0 ? false : picked === ids.length ? true : "mixed"}
          onChange={(_, data) => onSelect(ids, data.checked === true)}
        />
        <div className={styles.summary}>
          <Body1>
            <Badge appearance="filled" color="danger">
              {count}
            </Badge>{" "}
            <Text weight="semibold">{group.message}</Text>
          </Body1>
          <Caption1 className={styles.muted}>{whereText(group.errors)}</Caption1>
          {sharedCause && <Caption1 className={styles.cause}>Cause: {sharedCause}</Caption1>}
        </div>
        <Button icon={<ArrowClockwiseRegular />} disabled={busy} onClick={() => onRetry(ids)}>
          Retry group
        </Button>
      </div>
      {open && (
        <>
          <Table aria-label="Records" size="small">
            <TableHeader>
              <TableRow>
                <TableSelectionCell invisible />
                <TableHeaderCell>Record</TableHeaderCell>
                <TableHeaderCell>Counterpart</TableHeaderCell>
                <TableHeaderCell>Cause</TableHeaderCell>
                <TableHeaderCell>When</TableHeaderCell>
                <TableHeaderCell>Action</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {group.errors.slice(0, shown).map((e) => (
                <TableRow key={e.id}>
                  <TableSelectionCell
                    checked={selected.has(e.id)}
                    checkboxIndicator={{ "aria-label": `Select ${e.source_id ?? `error ${e.id}`}` }}
                    onClick={() => onSelect([e.id], !selected.has(e.id))}
                  />
                  <TableCell>
                    <Text className={styles.id} title={e.source_id ?? undefined}>
                      {shortId(e.source_id)}
                    </Text>
                    <br />
                    <Caption1 className={styles.muted}>
                      {e.mapping} · {DIRECTION_TEXT[e.direction]}
                    </Caption1>
                  </TableCell>
                  <TableCell>
                    <Text className={styles.id} title={e.destination_id ?? undefined}>
                      {shortId(e.destination_id)}
                    </Text>
                  </TableCell>
                  <TableCell>
                    <Caption1 className={styles.cause}>{e.cause ?? "–"}</Caption1>
                  </TableCell>
                  <TableCell>
                    <Caption1>{formatTime(e.at)}</Caption1>
                  </TableCell>
                  <TableCell>
                    <Button
                      size="small"
                      icon={<ArrowClockwiseRegular />}
                      disabled={busy || e.source_id === null}
                      onClick={() => onRetry([e.id])}
                    >
                      Retry
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {group.errors.length > shown && (
            <Button appearance="subtle" onClick={() => setShown(shown + PAGE)}>
              Show more
            </Button>
          )}
        </>
      )}
    </section>
  );
}
