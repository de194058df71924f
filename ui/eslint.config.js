import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// Only src/ipc/client.ts talks to Tauri: every other module goes through it.
const ipcOnlyThroughClient = {
  patterns: [
    {
      group: ["@tauri-apps/*"],
      message: "Import from src/ipc/client.ts; it is the only module that talks to Tauri.",
    },
    {
      group: ["**/bindings", "**/bindings.ts", "./bindings", "../ipc/bindings"],
      message: "Import from src/ipc/client.ts; the generated bindings are used only there.",
    },
  ],
};

export default tseslint.config(
  { ignores: ["dist", "src/ipc/bindings.ts"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "no-restricted-imports": ["error", ipcOnlyThroughClient],
    },
  },
  {
    files: ["src/ipc/client.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    // Component tests replace the IPC with Tauri's own mocks (@tauri-apps/api/mocks).
    files: ["src/**/*.test.{ts,tsx}"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [ipcOnlyThroughClient.patterns[1]] }],
    },
  },
);
