import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Radio,
  RadioGroup,
} from "@fluentui/react-components";
import { useState } from "react";
import type { Direction } from "../../ipc/client";
import { DIRECTION_LABEL } from "./wording";

type OneWay = Exclude<Direction, "bidirectional">;

type Props = {
  /** What is synchronized, e.g. "2 customers". */
  what: string;
  /** The direction chosen when the dialog opens. */
  initial: OneWay;
  onSynchronize: (direction: OneWay) => void;
  onClose: () => void;
};

/** Asks which way to synchronize the chosen records of a mapping that goes both ways. */
export function SyncDirectionDialog({ what, initial, onSynchronize, onClose }: Props) {
  const [direction, setDirection] = useState<OneWay>(initial);
  return (
    <Dialog open onOpenChange={(_, data) => !data.open && onClose()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Synchronize {what}</DialogTitle>
          <DialogContent>
            <Field label="Direction" hint="The values of the other side are overwritten in this direction.">
              <RadioGroup value={direction} onChange={(_, data) => setDirection(data.value as OneWay)}>
                {(Object.keys(DIRECTION_LABEL) as OneWay[]).map((d) => (
                  <Radio key={d} value={d} label={DIRECTION_LABEL[d]} />
                ))}
              </RadioGroup>
            </Field>
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={() => onSynchronize(direction)}>
              Synchronize
            </Button>
            <Button onClick={onClose}>Cancel</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
