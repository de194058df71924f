import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
} from "@fluentui/react-components";

/** Cancel: straight back to the welcome screen, or after confirming when something was typed. */
export function CancelSetup({ changed, onCancel }: { changed: boolean; onCancel: () => void }) {
  if (!changed) {
    return <Button onClick={onCancel}>Cancel</Button>;
  }
  return (
    <Dialog>
      <DialogTrigger disableButtonEnhancement>
        <Button>Cancel</Button>
      </DialogTrigger>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Discard the setup?</DialogTitle>
          <DialogContent>What you typed is not saved; the welcome screen opens again.</DialogContent>
          <DialogActions>
            <DialogTrigger disableButtonEnhancement>
              <Button appearance="secondary">Keep editing</Button>
            </DialogTrigger>
            <Button appearance="primary" onClick={onCancel}>
              Discard
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
