import {
  Body1,
  Button,
  Caption1,
  Card,
  CardHeader,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Spinner,
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
import { useState } from "react";
import type { ConflictView, Side } from "../../ipc/client";
import { listConflicts, resolveConflict } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";

const useStyles = makeStyles({
  page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  muted: { color: tokens.colorNeutralForeground3 },
  value: { fontFamily: tokens.fontFamilyMonospace, overflowWrap: "anywhere" },
});

/** A value as the page shows it: nothing as a dash, text as is. */
export function shown(value: unknown): string {
  if (value === null || value === undefined || value === "") {
    return "—";
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** One conflict: its fields side by side, a choice per field, and Resolve. */
function ConflictCard({ conflict }: { conflict: ConflictView }) {
  const styles = useStyles();
  const queries = useQueryClient();
  const [choices, setChoices] = useState<Record<string, Side>>({});
  const resolve = useMutation({
    mutationFn: () =>
      resolveConflict(
        conflict.id,
        conflict.fields.flatMap((f) => {
          const side = choices[f.erp_field];
          return side === undefined ? [] : [{ field: f.erp_field, side }];
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["conflicts"] }),
  });
  const everyField = conflict.fields.every((f) => choices[f.erp_field] !== undefined);
  const takeAll = (side: Side) => setChoices(Object.fromEntries(conflict.fields.map((f) => [f.erp_field, side])));
  return (
    <Card aria-label={`Conflict ${conflict.id}`}>
      <CardHeader
        header={
          <Text weight="semibold">
            {conflict.mapping}: Business Central {conflict.erp_id} ↔ Dataverse {conflict.crm_id}
          </Text>
        }
        description={
          <Caption1 className={styles.muted}>
            Both records changed since the last synchronization. Choose, field by field, which value to keep; it is
            written to the other side.
          </Caption1>
        }
      />
      <Table aria-label={`Fields of conflict ${conflict.id}`} size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Field</TableHeaderCell>
            <TableHeaderCell>Business Central</TableHeaderCell>
            <TableHeaderCell>Dataverse</TableHeaderCell>
            <TableHeaderCell>Keep</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {conflict.fields.map((f) => (
            <TableRow key={f.erp_field}>
              <TableCell>
                {f.erp_field} / {f.crm_field}
              </TableCell>
              <TableCell className={styles.value}>{shown(f.erp_value)}</TableCell>
              <TableCell className={styles.value}>{shown(f.crm_value)}</TableCell>
              <TableCell>
                <RadioGroup
                  layout="horizontal"
                  aria-label={`Keep for ${f.erp_field}`}
                  value={choices[f.erp_field] ?? ""}
                  onChange={(_, data) => setChoices((all) => ({ ...all, [f.erp_field]: data.value as Side }))}
                >
                  <Radio value="erp" label="Business Central" />
                  <Radio value="crm" label="Dataverse" />
                </RadioGroup>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {resolve.isError && <ErrorBar title="The conflict was not resolved" error={resolve.error} />}
      <Toolbar aria-label={`Resolve conflict ${conflict.id}`}>
        <Button onClick={() => takeAll("erp")}>Keep all Business Central</Button>
        <Button onClick={() => takeAll("crm")}>Keep all Dataverse</Button>
        <Button appearance="primary" disabled={!everyField || resolve.isPending} onClick={() => resolve.mutate()}>
          {resolve.isPending ? "Resolving…" : "Resolve"}
        </Button>
      </Toolbar>
    </Card>
  );
}

/** The conflicts waiting for a decision. */
export function ConflictsPage() {
  const styles = useStyles();
  const conflicts = useQuery({ queryKey: ["conflicts"], queryFn: () => listConflicts(false) });
  return (
    <main className={styles.page}>
      <Title1 as="h1">Conflicts</Title1>
      <Body1>
        A pair whose records both changed since the last synchronization, with different values, is left alone until
        you choose. A conflict also closes by itself when someone makes the values agree.
      </Body1>
      {conflicts.isError && <ErrorBar title="The conflicts could not be read" error={conflicts.error} />}
      {conflicts.isPending && <Spinner label="Reading the conflicts…" />}
      {conflicts.data?.length === 0 && (
        <MessageBar intent="success">
          <MessageBarBody>No conflicts: every coupled pair agrees or has one side's change to carry.</MessageBarBody>
        </MessageBar>
      )}
      {conflicts.data?.map((c) => (
        <ConflictCard key={c.id} conflict={c} />
      ))}
    </main>
  );
}
