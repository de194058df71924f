import {
  Body1,
  Button,
  Caption1,
  Card,
  CardHeader,
  Spinner,
  Subtitle2,
  Title1,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { startDemo } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";

const useStyles = makeStyles({
  page: { maxWidth: "880px", margin: "0 auto", display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXL },
  choices: { display: "grid", gridTemplateColumns: "1fr 1fr", gap: tokens.spacingHorizontalL },
  card: { padding: tokens.spacingHorizontalL, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
});

/** The first-run screen: try Couplet on the emulated systems, or connect real ones. */
export function WelcomePage() {
  const styles = useStyles();
  const queries = useQueryClient();
  const demo = useMutation({
    mutationFn: startDemo,
    onSuccess: () => queries.invalidateQueries({ queryKey: ["app-status"] }),
  });
  return (
    <main className={styles.page}>
      <Title1 as="h1">Welcome to Couplet</Title1>
      <Body1>
        Couplet keeps Dynamics 365 Business Central and Dataverse (Dynamics 365 Sales) in step: salespeople and
        customers are coupled to their counterparts and synchronized in both directions.
      </Body1>
      {demo.isError && <ErrorBar title="The demo systems could not start" error={demo.error} />}
      <div className={styles.choices}>
        <Card className={styles.card}>
          <CardHeader header={<Subtitle2 as="h2">Try with demo systems</Subtitle2>} />
          <Body1>
            Starts an emulated Business Central and Dataverse on this computer, filled with demo data, and connects
            Couplet to them. Nothing leaves your machine.
          </Body1>
          <Button
            appearance="primary"
            disabled={demo.isPending}
            icon={demo.isPending ? <Spinner size="tiny" /> : undefined}
            onClick={() => demo.mutate()}
          >
            {demo.isPending ? "Starting the demo systems…" : "Try with demo systems"}
          </Button>
        </Card>
        <Card className={styles.card}>
          <CardHeader header={<Subtitle2 as="h2">Connect to my systems</Subtitle2>} />
          <Body1>
            Connects your Business Central environment and your Dataverse environment with an Entra application
            registration.
          </Body1>
          <Button disabled aria-describedby="wizard-note">
            Connect to my systems
          </Button>
          <Caption1 id="wizard-note">
            The connection wizard comes in the next version. Until then, connect with <code>couplet connect</code>.
          </Caption1>
        </Card>
      </div>
    </main>
  );
}
