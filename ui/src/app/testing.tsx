// Rendering helpers shared by the component tests (no Tauri import: the tests mock the IPC).
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render } from "@testing-library/react";
import type { ReactElement } from "react";
import { App, makeQueryClient } from "./App";

/** Renders the whole app with a fresh data cache. */
export function renderApp() {
  return render(<App client={makeQueryClient()} />);
}

/** Renders one page or component inside the app's providers, with a fresh data cache. */
export function renderWithProviders(ui: ReactElement) {
  return render(
    <QueryClientProvider client={makeQueryClient()}>
      <FluentProvider theme={webLightTheme}>{ui}</FluentProvider>
    </QueryClientProvider>,
  );
}

/** Unmounts, then lets pending unlisten calls settle before the IPC mocks are cleared. */
export async function unmountAndSettle(): Promise<void> {
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
}
