import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { testConnection } from "../../ipc/client";
import { Advanced } from "./Advanced";
import { ConnectionChecks } from "./ConnectionChecks";
import { DEFAULT_AUTHORITY, crmInput, crmProblems, passedFor, type CrmForm, type Tested } from "./draft";
import { StepPanel } from "./StepPanel";
import { TextField } from "./TextField";

type Props = {
  form: CrmForm;
  onChange: (form: CrmForm) => void;
  tested: Tested | undefined;
  onTested: (tested: Tested) => void;
};

/** Step 1: the Dataverse environment and the app registration that reaches it. */
export function DataverseStep({ form, onChange, tested, onTested }: Props) {
  const [showProblems, setShowProblems] = useState(false);
  const test = useMutation({ mutationFn: testConnection, onSuccess: (view, input) => onTested({ input, view }) });
  const problems = showProblems ? crmProblems(form) : {};
  const set = (field: keyof CrmForm) => (value: string) => onChange({ ...form, [field]: value });
  const input = crmInput(form);

  const runTest = () => {
    setShowProblems(true);
    if (Object.keys(crmProblems(form)).length === 0) {
      test.mutate(input);
    }
  };

  return (
    <StepPanel
      title="Dataverse"
      explanation="The Dynamics 365 Sales environment, and the Entra app registration Couplet signs in with."
    >
      <TextField
        label="Environment URL"
        placeholder="https://yourorg.crm.dynamics.com"
        value={form.url}
        onChange={set("url")}
        problem={problems.url}
        required
      />
      <TextField
        label="Tenant"
        placeholder="contoso.onmicrosoft.com or the tenant id"
        value={form.tenant}
        onChange={set("tenant")}
        problem={problems.tenant}
        required
      />
      <TextField
        label="Application (client) ID"
        value={form.clientId}
        onChange={set("clientId")}
        problem={problems.clientId}
        required
      />
      <TextField
        label="Client secret"
        value={form.secret}
        onChange={set("secret")}
        problem={problems.secret}
        hint="Kept in the operating system's keychain after Finish."
        required
        password
      />
      <Advanced
        initiallyOpen={form.authority !== DEFAULT_AUTHORITY || form.scope !== ""}
        reveal={problems.authority !== undefined}
      >
        <TextField
          label="Authority host"
          value={form.authority}
          onChange={set("authority")}
          problem={problems.authority}
          required
        />
        <TextField
          label="Scope"
          placeholder="{environment URL}/.default"
          hint="Leave empty for the environment's default scope."
          value={form.scope}
          onChange={set("scope")}
        />
      </Advanced>
      <ConnectionChecks
        checks={tested?.view.checks}
        upToDate={passedFor(tested, input)}
        pending={test.isPending}
        error={test.error}
        onTest={runTest}
      />
    </StepPanel>
  );
}
