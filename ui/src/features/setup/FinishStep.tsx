import { Button, Checkbox, Spinner, Table, TableBody, TableCell, TableRow, makeStyles, tokens } from "@fluentui/react-components";
import { Checkmark20Regular } from "@fluentui/react-icons";
import type { ConnectionInput, MappingView } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";
import { DIRECTION_WORDS } from "./mappingChoice";
import { StepPanel } from "./StepPanel";

const useStyles = makeStyles({
  label: { width: "200px", color: tokens.colorNeutralForeground3 },
  value: { overflowWrap: "anywhere" },
  actions: { display: "flex", flexDirection: "column", alignItems: "flex-start", gap: tokens.spacingVerticalM },
});

type Props = {
  crm: ConnectionInput;
  erp: ConnectionInput;
  /** The chosen company's name, from the last test. */
  companyName: string | undefined;
  mappings: MappingView[];
  fullSync: boolean;
  onFullSyncChange: (fullSync: boolean) => void;
  finishing: boolean;
  error: unknown;
  onFinish: () => void;
};

/** Step 5: what Finish saves, and Finish. */
export function FinishStep(props: Props) {
  const { crm, erp, companyName, mappings, fullSync, onFullSyncChange, finishing, error, onFinish } = props;
  const styles = useStyles();
  const rows: [string, string][] = [
    ["Dataverse environment", crm.url],
    ["Dataverse app registration", `${crm.client_id} (tenant ${crm.tenant})`],
    ["Business Central API", erp.url],
    ["Business Central app registration", `${erp.client_id} (tenant ${erp.tenant})`],
    ["Company", companyName ?? erp.company ?? "The only company"],
    ["Mappings", mappings.map((m) => `${m.name} (${DIRECTION_WORDS[m.direction]})`).join(", ")],
  ];
  return (
    <StepPanel
      title="Finish"
      explanation="Finish tests both connections once more, then saves them; the client secrets go to the operating system's keychain."
    >
      <Table size="small" aria-label="What will be saved">
        <TableBody>
          {rows.map(([label, value]) => (
            <TableRow key={label}>
              <TableCell className={styles.label}>{label}</TableCell>
              <TableCell className={styles.value}>{value}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {error !== null && error !== undefined && <ErrorBar title="The setup could not be saved" error={error} />}
      <div className={styles.actions}>
        <Checkbox
          label="Run full synchronization now"
          checked={fullSync}
          onChange={(_, data) => onFullSyncChange(data.checked === true)}
        />
        <Button
          appearance="primary"
          icon={finishing ? <Spinner size="tiny" /> : <Checkmark20Regular />}
          disabled={finishing}
          onClick={onFinish}
        >
          Finish
        </Button>
      </div>
    </StepPanel>
  );
}
