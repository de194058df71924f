import { Body1, Card, CardHeader, Caption1, Subtitle2, makeStyles, tokens } from "@fluentui/react-components";
import type { IntegrationUser } from "../../ipc/client";
import { StepPanel } from "./StepPanel";

const useStyles = makeStyles({
  cards: { display: "grid", gridTemplateColumns: "1fr 1fr", gap: tokens.spacingHorizontalL },
  card: { padding: tokens.spacingHorizontalL },
  id: { fontFamily: tokens.fontFamilyMonospace, color: tokens.colorNeutralForeground3, wordBreak: "break-all" },
});

type Props = {
  /** Dataverse's application user, from WhoAmI. */
  crm: IntegrationUser | null;
  /** Business Central's app identity. */
  erp: IntegrationUser | null;
  /** The Business Central app registration, named when the service gives no user name. */
  erpClientId: string;
};

function Identity({ side, user, fallback }: { side: string; user: IntegrationUser | null; fallback: string }) {
  const styles = useStyles();
  return (
    <Card className={styles.card} aria-label={`${side} integration user`}>
      <CardHeader header={<Subtitle2 as="h3">{side}</Subtitle2>} />
      <Body1>{user?.name ?? fallback}</Body1>
      {user && <Caption1 className={styles.id}>{user.id}</Caption1>}
    </Card>
  );
}

/** Step 3: the identities Couplet writes as, whose own changes it skips when reading. */
export function IntegrationUserStep({ crm, erp, erpClientId }: Props) {
  const styles = useStyles();
  return (
    <StepPanel
      title="Integration user"
      explanation="Changes made by these users are ignored when reading, so Couplet never echoes its own writes."
    >
      <div className={styles.cards}>
        <Identity side="Dataverse" user={crm} fallback="Application user" />
        <Identity side="Business Central" user={erp} fallback={`App registration ${erpClientId}`} />
      </div>
    </StepPanel>
  );
}
