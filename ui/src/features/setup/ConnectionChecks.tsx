import { Body1, Button, Caption1, Spinner, Text, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import {
  CheckmarkCircle20Filled,
  DismissCircle20Filled,
  PlugConnected20Regular,
  SubtractCircle20Regular,
} from "@fluentui/react-icons";
import { useEffect, useRef } from "react";
import type { CheckStatus, CheckStep, CheckView } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";

const useStyles = makeStyles({
  panel: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM, alignItems: "flex-start" },
  list: { listStyleType: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  check: { display: "grid", gridTemplateColumns: "20px 1fr", columnGap: tokens.spacingHorizontalS },
  text: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS },
  passed: { color: tokens.colorPaletteGreenForeground1 },
  failed: { color: tokens.colorPaletteRedForeground1 },
  skipped: { color: tokens.colorNeutralForeground4 },
  muted: { color: tokens.colorNeutralForeground3 },
  detail: { fontFamily: tokens.fontFamilyMonospace, color: tokens.colorNeutralForeground3, wordBreak: "break-word" },
});

const STEP_NAMES: Record<CheckStep, string> = {
  settings: "Settings",
  token: "Token",
  service: "Service",
  company: "Company",
  integration_user: "Integration user",
};

const STATUS_WORDS: Record<CheckStatus, string> = { passed: "passed", failed: "failed", skipped: "skipped" };

function StatusIcon({ status }: { status: CheckStatus }) {
  const styles = useStyles();
  if (status === "passed") return <CheckmarkCircle20Filled className={styles.passed} aria-hidden />;
  if (status === "failed") return <DismissCircle20Filled className={styles.failed} aria-hidden />;
  return <SubtractCircle20Regular className={styles.skipped} aria-hidden />;
}

function CheckItem({ check }: { check: CheckView }) {
  const styles = useStyles();
  return (
    <li className={styles.check} aria-label={`${STEP_NAMES[check.step]}: ${STATUS_WORDS[check.status]}`}>
      <StatusIcon status={check.status} />
      <div className={styles.text}>
        <Text weight="semibold">{STEP_NAMES[check.step]}</Text>
        <Body1 className={mergeClasses(check.status === "skipped" && styles.muted)}>{check.summary}</Body1>
        {check.status === "failed" && check.hint && <Body1>{check.hint}</Body1>}
        {check.status === "failed" && check.detail && <Caption1 className={styles.detail}>{check.detail}</Caption1>}
      </div>
    </li>
  );
}

type Props = {
  /** The checks of the last test, if any. */
  checks: CheckView[] | undefined;
  /** Whether the last test passed for the values shown now. */
  upToDate: boolean;
  pending: boolean;
  /** Why the test itself could not run. */
  error: unknown;
  onTest: () => void;
};

/** "Test connection" and the step-by-step outcome of the last test. */
export function ConnectionChecks({ checks, upToDate, pending, error, onTest }: Props) {
  const styles = useStyles();
  const panel = useRef<HTMLElement>(null);
  // A test's outcome appears below the form: bring it into view when it arrives.
  useEffect(() => {
    if (checks && !pending) {
      panel.current?.scrollIntoView?.({ block: "nearest" });
    }
  }, [checks, pending]);
  return (
    <section ref={panel} className={styles.panel} aria-label="Connection test">
      <Button
        icon={pending ? <Spinner size="tiny" /> : <PlugConnected20Regular />}
        disabled={pending}
        onClick={onTest}
      >
        Test connection
      </Button>
      {error !== null && error !== undefined && <ErrorBar title="The connection could not be tested" error={error} />}
      {checks && !pending && (
        <>
          <ul className={styles.list} aria-label="Connection checks">
            {checks.map((check) => (
              <CheckItem key={check.step} check={check} />
            ))}
          </ul>
          {!upToDate && checks.every((c) => c.status === "passed") && (
            <Caption1 className={styles.muted}>The settings changed since this test: test again to continue.</Caption1>
          )}
        </>
      )}
    </section>
  );
}
