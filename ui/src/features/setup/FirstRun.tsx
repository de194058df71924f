import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { appStatus } from "../../ipc/client";
import { WelcomePage } from "./Welcome";
import { SetupWizard } from "./SetupWizard";
import { demoDraft, emptyDraft, type Draft } from "./draft";

/**
 * What the app shows while nothing is connected: the welcome screen, then the setup wizard.
 * Finish refreshes ["app-status"], and the app moves on to its workspace.
 */
export function FirstRun() {
  const [wizard, setWizard] = useState<Draft | null>(null);
  // Cached by the app already; says whether the app was started with --demo.
  const status = useQuery({ queryKey: ["app-status"], queryFn: appStatus });
  const [autoDemo, setAutoDemo] = useState(() => status.data?.demo_requested ?? false);
  if (wizard) {
    return <SetupWizard initial={wizard} onCancel={() => setWizard(null)} />;
  }
  return (
    <WelcomePage
      autoDemo={autoDemo}
      onDemoReady={(demo) => {
        setAutoDemo(false);
        setWizard(demoDraft(demo));
      }}
      onConnect={() => setWizard(emptyDraft())}
    />
  );
}
