import { Text, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import { CheckmarkCircle20Filled, Circle20Regular } from "@fluentui/react-icons";

const useStyles = makeStyles({
  list: { listStyleType: "none", margin: 0, padding: 0, display: "flex", gap: tokens.spacingHorizontalXL, flexWrap: "wrap" },
  step: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalXS, color: tokens.colorNeutralForeground3 },
  done: { color: tokens.colorPaletteGreenForeground1 },
  current: { color: tokens.colorBrandForeground1, fontWeight: tokens.fontWeightSemibold },
});

/** The wizard's steps in order, the current one marked (aria-current="step"). */
export function StepIndicator({ steps, current }: { steps: string[]; current: number }) {
  const styles = useStyles();
  return (
    <ol className={styles.list} aria-label="Setup steps">
      {steps.map((name, i) => (
        <li
          key={name}
          aria-current={i === current ? "step" : undefined}
          className={mergeClasses(styles.step, i < current && styles.done, i === current && styles.current)}
        >
          {i < current ? <CheckmarkCircle20Filled aria-hidden /> : <Circle20Regular aria-hidden />}
          <Text weight={i === current ? "semibold" : "regular"}>
            {i + 1}. {name}
          </Text>
        </li>
      ))}
    </ol>
  );
}
