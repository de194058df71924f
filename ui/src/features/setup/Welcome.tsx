import { Body1, Button, Card, CardHeader, Spinner, Subtitle2, Title1, makeStyles, tokens } from "@fluentui/react-components";
import { PlugConnected20Regular } from "@fluentui/react-icons";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { DemoSetup } from "../../ipc/client";
import { prepareDemo } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";

const useStyles = makeStyles({
  page: { maxWidth: "880px", margin: "0 auto", display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXL },
  choices: { display: "grid", gridTemplateColumns: "1fr 1fr", gap: tokens.spacingHorizontalL },
  card: { padding: tokens.spacingHorizontalL, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  grow: { flexGrow: 1 },
});

type Props = {
  /** The emulated systems run; the wizard opens filled in with these inputs. */
  onDemoReady: (demo: DemoSetup) => void;
  /** The wizard opens empty, for real systems. */
  onConnect: () => void;
  /** Started with `--demo` (`npm run demo`): go to the demo systems at once, as if chosen. */
  autoDemo?: boolean;
};

/** The first-run screen: try Couplet on the emulated systems, or connect real ones. */
export function WelcomePage({ onDemoReady, onConnect, autoDemo = false }: Props) {
  const styles = useStyles();
  const demo = useMutation({ mutationFn: prepareDemo, onSuccess: (setup) => onDemoReady(setup) });
  const { mutate } = demo;
  const asked = useRef(false);
  useEffect(() => {
    // Once per app start: Cancel in the wizard comes back here and stays.
    if (autoDemo && !asked.current) {
      asked.current = true;
      mutate();
    }
  }, [autoDemo, mutate]);
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
          <Body1 className={styles.grow}>
            Starts an emulated Business Central and Dataverse on this computer, filled with demo data, and opens the
            connection setup filled in for them. Nothing leaves your machine.
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
          <Body1 className={styles.grow}>
            Connects your Business Central environment and your Dataverse environment with an Entra application
            registration, testing each step on the way.
          </Body1>
          <Button icon={<PlugConnected20Regular />} disabled={demo.isPending} onClick={onConnect}>
            Connect to my systems
          </Button>
        </Card>
      </div>
    </main>
  );
}
