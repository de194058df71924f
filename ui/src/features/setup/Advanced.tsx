import { Button, makeStyles, tokens } from "@fluentui/react-components";
import { ChevronDown20Regular, ChevronRight20Regular } from "@fluentui/react-icons";
import { useId, useState, type ReactNode } from "react";

const useStyles = makeStyles({
  body: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalM,
    paddingLeft: tokens.spacingHorizontalXXL,
  },
});

type Props = {
  initiallyOpen: boolean;
  /** Keeps it open, e.g. while a field inside needs attention. */
  reveal: boolean;
  children: ReactNode;
};

/** The "Advanced" disclosure: settings most people leave as they are. */
export function Advanced({ initiallyOpen, reveal, children }: Props) {
  const styles = useStyles();
  const [toggled, setOpen] = useState(initiallyOpen);
  const open = toggled || reveal;
  const body = useId();
  return (
    <div>
      <Button
        appearance="transparent"
        icon={open ? <ChevronDown20Regular /> : <ChevronRight20Regular />}
        aria-expanded={open}
        aria-controls={body}
        onClick={() => setOpen(!open)}
      >
        Advanced
      </Button>
      {open && (
        <div id={body} className={styles.body}>
          {children}
        </div>
      )}
    </div>
  );
}
