import { Caption1, Checkbox, MessageBar, MessageBarBody, Spinner, makeStyles, tokens } from "@fluentui/react-components";
import type { MappingView } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";
import { DIRECTION_WORDS, choose, unchoose } from "./mappingChoice";
import { StepPanel } from "./StepPanel";

const useStyles = makeStyles({
  list: { listStyleType: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  about: { display: "flex", flexDirection: "column", paddingLeft: tokens.spacingHorizontalXXL },
  muted: { color: tokens.colorNeutralForeground3 },
});

type Props = {
  catalog: MappingView[] | undefined;
  loading: boolean;
  error: unknown;
  chosen: ReadonlySet<string>;
  onChange: (chosen: Set<string>) => void;
};

function needs(mapping: MappingView): string {
  const list = mapping.dependencies.join(", ");
  return `${mapping.name} needs ${list}: its records refer to them, so choosing it chooses ${list}, and leaving ${list} out leaves it out.`;
}

/** Step 4: which table mappings to synchronize. */
export function MappingsStep({ catalog, loading, error, chosen, onChange }: Props) {
  const styles = useStyles();
  return (
    <StepPanel title="Mappings" explanation="Choose the tables Couplet keeps in step; you can change this later.">
      {loading && <Spinner size="small" label="Reading the table mappings…" />}
      {error !== null && error !== undefined && <ErrorBar title="The table mappings could not be read" error={error} />}
      {catalog && (
        <ul className={styles.list} aria-label="Table mappings">
          {catalog.map((m) => (
            <li key={m.name}>
              <Checkbox
                label={m.name}
                checked={chosen.has(m.name)}
                onChange={(_, data) =>
                  onChange(data.checked === true ? choose(catalog, chosen, m.name) : unchoose(catalog, chosen, m.name))
                }
              />
              <div className={styles.about}>
                <Caption1>
                  Business Central {m.erp_entity} · Dataverse {m.crm_entity} · {DIRECTION_WORDS[m.direction]}
                </Caption1>
                {m.dependencies.length > 0 && <Caption1 className={styles.muted}>{needs(m)}</Caption1>}
              </div>
            </li>
          ))}
        </ul>
      )}
      {catalog && chosen.size === 0 && (
        <MessageBar intent="warning">
          <MessageBarBody>Choose at least one table mapping.</MessageBarBody>
        </MessageBar>
      )}
    </StepPanel>
  );
}
