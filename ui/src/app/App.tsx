import { FluentProvider, Spinner, makeStyles, tokens, webLightTheme } from "@fluentui/react-components";
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { appStatus } from "../ipc/client";
import { ErrorBar } from "../components/ErrorBar";
import { FullSyncPage } from "../features/sync/FullSync";
import { WelcomePage } from "../features/setup/Welcome";

const useStyles = makeStyles({
  shell: {
    minHeight: "100vh",
    backgroundColor: tokens.colorNeutralBackground2,
    boxSizing: "border-box",
    padding: tokens.spacingHorizontalXXL,
  },
});

/** Creates the query client the app uses; tests make their own per render. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } },
  });
}

/** Picks the screen from what is set up: the welcome screen until both sides are connected. */
export function Screens() {
  const status = useQuery({ queryKey: ["app-status"], queryFn: appStatus });
  if (status.isPending) {
    return <Spinner label="Opening Couplet…" />;
  }
  if (status.isError) {
    return <ErrorBar title="Couplet could not read its state" error={status.error} />;
  }
  const s = status.data;
  const ready = s.erp_connected && s.crm_connected && (!s.uses_demo_systems || s.demo_running);
  return ready ? <FullSyncPage /> : <WelcomePage />;
}

/** The whole app: Fluent UI theme, data cache and the current screen. */
export function App({ client }: { client?: QueryClient }) {
  const styles = useStyles();
  const [fallback] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={client ?? fallback}>
      <FluentProvider theme={webLightTheme} className={styles.shell}>
        <Screens />
      </FluentProvider>
    </QueryClientProvider>
  );
}
