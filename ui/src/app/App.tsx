import {
  Badge,
  Button,
  FluentProvider,
  Spinner,
  Tab,
  TabList,
  Text,
  makeStyles,
  tokens,
  webLightTheme,
} from "@fluentui/react-components";
import {
  ArrowSyncCircleRegular,
  BranchCompareRegular,
  CalendarClockRegular,
  TableSettingsRegular,
  DocumentBulletListClockRegular,
  PeopleRegular,
  BuildingRegular,
  PersonBoardRegular,
} from "@fluentui/react-icons";
import { QueryClient, QueryClientProvider, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ReactElement } from "react";
import type { AppStatus } from "../ipc/client";
import { appStatus, startDemo } from "../ipc/client";
import { ErrorBar } from "../components/ErrorBar";
import { ConflictsPage } from "../features/conflicts/ConflictsPage";
import { JobsPage } from "../features/jobs/JobsPage";
import { MappingsPage } from "../features/mappings/MappingsPage";
import { RecordsPage } from "../features/couplings/RecordsPage";
import { RunsPage } from "../features/runs/RunsPage";
import { FirstRun } from "../features/setup/FirstRun";
import { FullSyncPage } from "../features/sync/FullSync";

const useStyles = makeStyles({
  root: { minHeight: "100vh", backgroundColor: tokens.colorNeutralBackground2 },
  firstRun: { boxSizing: "border-box", padding: tokens.spacingHorizontalXXL },
  frame: { display: "grid", gridTemplateColumns: "248px 1fr", minHeight: "100vh" },
  nav: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalL,
    padding: `${tokens.spacingVerticalXL} ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRight: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  brand: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS, paddingLeft: tokens.spacingHorizontalS },
  content: { boxSizing: "border-box", padding: tokens.spacingHorizontalXXL, minWidth: 0 },
  centered: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL, maxWidth: "640px", margin: "15vh auto" },
});

/** Creates the query client the app uses; tests make their own per render. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } },
  });
}

type PageId = "full-sync" | "customers" | "accounts" | "salespeople" | "conflicts" | "jobs" | "mappings" | "runs";

const PAGES: { id: PageId; label: string; icon: ReactElement; render: () => ReactElement }[] = [
  { id: "full-sync", label: "Full synchronization", icon: <ArrowSyncCircleRegular />, render: () => <FullSyncPage /> },
  {
    id: "customers",
    label: "Customers",
    icon: <BuildingRegular />,
    render: () => (
      <RecordsPage
        key="customers"
        mapping="CUSTOMER"
        side="erp"
        title="Customers"
        description="Business Central customers and the Dataverse accounts they are coupled to."
      />
    ),
  },
  {
    id: "accounts",
    label: "Dataverse accounts",
    icon: <PeopleRegular />,
    render: () => (
      <RecordsPage
        key="accounts"
        mapping="CUSTOMER"
        side="crm"
        title="Dataverse accounts"
        description="Dataverse accounts of relationship type Customer and the Business Central customers they are coupled to."
        initialFilter="not_coupled"
      />
    ),
  },
  {
    id: "salespeople",
    label: "Salespeople",
    icon: <PersonBoardRegular />,
    render: () => (
      <RecordsPage
        key="salespeople"
        mapping="SALESPEOPLE"
        side="erp"
        title="Salespeople"
        description="Business Central salespeople and the Dataverse users they are coupled to."
      />
    ),
  },
  { id: "conflicts", label: "Conflicts", icon: <BranchCompareRegular />, render: () => <ConflictsPage /> },
  { id: "jobs", label: "Scheduled jobs", icon: <CalendarClockRegular />, render: () => <JobsPage /> },
  { id: "mappings", label: "Mapping rules", icon: <TableSettingsRegular />, render: () => <MappingsPage /> },
  { id: "runs", label: "Runs and errors", icon: <DocumentBulletListClockRegular />, render: () => <RunsPage /> },
];

/** The connected app: navigation on the left, the chosen page on the right. */
function Workspace({ status }: { status: AppStatus }) {
  const styles = useStyles();
  const [page, setPage] = useState<PageId>("full-sync");
  const current = PAGES.find((p) => p.id === page);
  return (
    <div className={styles.frame}>
      <nav className={styles.nav} aria-label="Couplet">
        <div className={styles.brand}>
          <Text size={500} weight="semibold">
            Couplet
          </Text>
          {status.uses_demo_systems ? (
            <Badge appearance="tint" color="informative">
              Demo systems
            </Badge>
          ) : (
            <Badge appearance="tint" color="success">
              Connected
            </Badge>
          )}
        </div>
        <TabList vertical selectedValue={page} onTabSelect={(_, data) => setPage(data.value as PageId)}>
          {PAGES.map((p) => (
            <Tab key={p.id} value={p.id} icon={p.icon}>
              {p.label}
            </Tab>
          ))}
        </TabList>
      </nav>
      <div className={styles.content}>{current?.render()}</div>
    </div>
  );
}

/** Brings the demo systems back after the app restarted (they listen on new ports each time). */
function ResumeDemo() {
  const styles = useStyles();
  const queries = useQueryClient();
  const resume = useMutation({
    mutationFn: startDemo,
    onSuccess: () => queries.invalidateQueries({ queryKey: ["app-status"] }),
  });
  const { mutate } = resume;
  useEffect(() => mutate(), [mutate]);
  return (
    <div className={styles.centered}>
      {resume.isError ? (
        <>
          <ErrorBar title="The demo systems could not start" error={resume.error} />
          <Button appearance="primary" onClick={() => resume.mutate()}>
            Try again
          </Button>
        </>
      ) : (
        <Spinner label="Starting the demo systems…" />
      )}
    </div>
  );
}

/** Picks the screen from what is set up: first run until both sides are connected. */
export function Screens() {
  const styles = useStyles();
  const status = useQuery({ queryKey: ["app-status"], queryFn: appStatus });
  if (status.isPending) {
    return <Spinner className={styles.centered} label="Opening Couplet…" />;
  }
  if (status.isError) {
    return (
      <div className={styles.centered}>
        <ErrorBar title="Couplet could not read its state" error={status.error} />
      </div>
    );
  }
  const s = status.data;
  if (!s.erp_connected || !s.crm_connected) {
    return (
      <div className={styles.firstRun}>
        <FirstRun />
      </div>
    );
  }
  if (s.uses_demo_systems && !s.demo_running) {
    return <ResumeDemo />;
  }
  return <Workspace status={s} />;
}

/** The whole app: Fluent UI theme, data cache and the current screen. */
export function App({ client }: { client?: QueryClient }) {
  const styles = useStyles();
  const [fallback] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={client ?? fallback}>
      {/* Layout styles stay off the provider: Fluent copies its classes onto every portal. */}
      <FluentProvider theme={webLightTheme}>
        <div className={styles.root}>
          <Screens />
        </div>
      </FluentProvider>
    </QueryClientProvider>
  );
}
