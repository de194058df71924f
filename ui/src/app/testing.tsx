// Rendering helpers shared by the component tests (no Tauri import: the tests mock the IPC).
import { cleanup, render } from "@testing-library/react";
import { App, makeQueryClient } from "./App";

/** Renders the whole app with a fresh data cache. */
export function renderApp() {
  return render(<App client={makeQueryClient()} />);
}

/** Unmounts, then lets pending unlisten calls settle before the IPC mocks are cleared. */
export async function unmountAndSettle(): Promise<void> {
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
}
