import { Body1, Subtitle1, makeStyles, tokens } from "@fluentui/react-components";
import type { ReactNode } from "react";

const useStyles = makeStyles({
  panel: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM, maxWidth: "640px" },
  explanation: { color: tokens.colorNeutralForeground2 },
});

/** A wizard step: its heading, one line saying what it is for, and its content. */
export function StepPanel({ title, explanation, children }: { title: string; explanation: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    <section className={styles.panel} aria-label={title}>
      <Subtitle1 as="h2">{title}</Subtitle1>
      <Body1 className={styles.explanation}>{explanation}</Body1>
      {children}
    </section>
  );
}
