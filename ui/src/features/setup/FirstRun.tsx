import { useState } from "react";
import { WelcomePage } from "./Welcome";
import { SetupWizard } from "./SetupWizard";
import { demoDraft, emptyDraft, type Draft } from "./draft";

/**
 * What the app shows while nothing is connected: the welcome screen, then the setup wizard.
 * Finish refreshes ["app-status"], and the app moves on to its workspace.
 */
export function FirstRun() {
  const [wizard, setWizard] = useState<Draft | null>(null);
  if (wizard) {
    return <SetupWizard initial={wizard} onCancel={() => setWizard(null)} />;
  }
  return <WelcomePage onDemoReady={(demo) => setWizard(demoDraft(demo))} onConnect={() => setWizard(emptyDraft())} />;
}
