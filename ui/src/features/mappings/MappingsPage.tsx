import {
  Body1,
  Caption1,
  Dropdown,
  Option,
  Spinner,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Title1,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ConflictRuleView, DeletionRuleView, MappingSettingsChange, MappingSettingsView } from "../../ipc/client";
import { listMappingSettings, updateMappingSettings } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";

const useStyles = makeStyles({
  page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  muted: { color: tokens.colorNeutralForeground3 },
});

const CONFLICT: Record<ConflictRuleView, string> = {
  none: "Ask me (a conflict to resolve)",
  erp_wins: "Business Central wins",
  crm_wins: "Dataverse wins",
};

const DELETION: Record<DeletionRuleView, string> = {
  none: "Report it",
  remove_coupling: "Remove the coupling",
  restore_record: "Create the record again",
  delete_other: "Delete the other record (not supported yet)",
};

function Row({ mapping }: { mapping: MappingSettingsView }) {
  const styles = useStyles();
  const queries = useQueryClient();
  const update = useMutation({
    mutationFn: (change: MappingSettingsChange) => updateMappingSettings(mapping.name, change),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ["mapping-settings"] });
      void queries.invalidateQueries({ queryKey: ["mappings"] });
    },
  });
  return (
    <TableRow>
      <TableCell>
        <Text weight="semibold">{mapping.name}</Text>
        <br />
        <Caption1 className={styles.muted}>
          {mapping.erp_entity} ↔ {mapping.crm_entity}
        </Caption1>
        {update.isError && <ErrorBar title={`${mapping.name} was not changed`} error={update.error} />}
      </TableCell>
      <TableCell>
        <Switch
          aria-label={`${mapping.name} enabled`}
          checked={mapping.enabled}
          onChange={(_, data) => update.mutate({ enabled: data.checked })}
        />
      </TableCell>
      <TableCell>
        <Dropdown
          aria-label={`${mapping.name} when both sides changed`}
          value={CONFLICT[mapping.update_conflict]}
          selectedOptions={[mapping.update_conflict]}
          onOptionSelect={(_, data) => update.mutate({ updateConflict: data.optionValue as ConflictRuleView })}
        >
          {(Object.keys(CONFLICT) as ConflictRuleView[]).map((rule) => (
            <Option key={rule} value={rule}>
              {CONFLICT[rule]}
            </Option>
          ))}
        </Dropdown>
      </TableCell>
      <TableCell>
        <Dropdown
          aria-label={`${mapping.name} when a record was deleted`}
          value={DELETION[mapping.deletion_conflict]}
          selectedOptions={[mapping.deletion_conflict]}
          onOptionSelect={(_, data) => update.mutate({ deletionConflict: data.optionValue as DeletionRuleView })}
        >
          {(Object.keys(DELETION) as DeletionRuleView[]).map((rule) => (
            <Option key={rule} value={rule}>
              {DELETION[rule]}
            </Option>
          ))}
        </Dropdown>
      </TableCell>
    </TableRow>
  );
}

/** The table mappings' rules: whether each takes part, and what happens on conflicts and deletions. */
export function MappingsPage() {
  const styles = useStyles();
  const mappings = useQuery({ queryKey: ["mapping-settings"], queryFn: listMappingSettings });
  return (
    <main className={styles.page}>
      <Title1 as="h1">Table mappings</Title1>
      <Body1>
        What happens when both records of a pair changed since the last synchronization, and when one of them was
        deleted.
      </Body1>
      {mappings.isError && <ErrorBar title="The mappings could not be read" error={mappings.error} />}
      {mappings.isPending && <Spinner label="Reading the mappings…" />}
      {mappings.data && (
        <Table aria-label="Mapping rules">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Mapping</TableHeaderCell>
              <TableHeaderCell>Enabled</TableHeaderCell>
              <TableHeaderCell>When both sides changed</TableHeaderCell>
              <TableHeaderCell>When a record was deleted</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {mappings.data.map((m) => (
              <Row key={m.name} mapping={m} />
            ))}
          </TableBody>
        </Table>
      )}
    </main>
  );
}
