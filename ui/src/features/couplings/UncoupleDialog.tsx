import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
} from "@fluentui/react-components";

type Props = {
  /** What is uncoupled, e.g. "2 customers". */
  what: string;
  onUncouple: () => void;
  onClose: () => void;
};

/** Confirms removing the couplings of the chosen records. */
export function UncoupleDialog({ what, onUncouple, onClose }: Props) {
  return (
    <Dialog open modalType="alert" onOpenChange={(_, data) => !data.open && onClose()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Uncouple {what}?</DialogTitle>
          <DialogContent>
            The records stay in both systems; only the link between them is removed, so they are no longer
            synchronized. You can couple them again later.
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={onUncouple}>
              Uncouple
            </Button>
            <Button onClick={onClose}>Cancel</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
