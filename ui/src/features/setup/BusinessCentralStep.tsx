import { Caption1, Checkbox, Dropdown, Field, Option, makeStyles, tokens } from "@fluentui/react-components";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { testConnection } from "../../ipc/client";
import { Advanced } from "./Advanced";
import { ConnectionChecks } from "./ConnectionChecks";
import {
  DEFAULT_AUTHORITY,
  bcApiUrl,
  erpInput,
  erpProblems,
  passedFor,
  type CrmForm,
  type ErpForm,
  type Tested,
} from "./draft";
import { StepPanel } from "./StepPanel";
import { TextField } from "./TextField";

const useStyles = makeStyles({
  muted: { color: tokens.colorNeutralForeground3, wordBreak: "break-all" },
});

type Props = {
  form: ErpForm;
  /** The Dataverse step's fields, for "Same app registration as Dataverse". */
  crm: CrmForm;
  onChange: (form: ErpForm) => void;
  tested: Tested | undefined;
  onTested: (tested: Tested) => void;
};

/** Step 2: the Business Central environment, its app registration and the company. */
export function BusinessCentralStep({ form, crm, onChange, tested, onTested }: Props) {
  const styles = useStyles();
  const [showProblems, setShowProblems] = useState(false);
  const test = useMutation({ mutationFn: testConnection, onSuccess: (view, input) => onTested({ input, view }) });
  const problems = showProblems ? erpProblems(form) : {};
  const set = (field: keyof ErpForm) => (value: string) => onChange({ ...form, [field]: value });
  const input = erpInput(form, crm);
  const companies = tested?.view.companies ?? [];
  const chosen = companies.find((c) => c.id === form.company);

  const runTest = () => {
    setShowProblems(true);
    if (Object.keys(erpProblems(form)).length === 0) {
      test.mutate(input);
    }
  };
  const setSameApp = (sameApp: boolean) =>
    onChange(sameApp ? { ...form, sameApp } : { ...form, sameApp, clientId: crm.clientId, secret: crm.secret });

  return (
    <StepPanel
      title="Business Central"
      explanation="The Business Central environment, the app registration Couplet signs in with, and the company to keep in step."
    >
      <TextField
        label="Tenant"
        placeholder="contoso.onmicrosoft.com or the tenant id"
        value={form.tenant}
        onChange={set("tenant")}
        problem={problems.tenant}
        required
      />
      <TextField
        label="Environment name"
        placeholder="Production"
        value={form.environment}
        onChange={set("environment")}
        problem={problems.environment}
        required={form.apiUrl.trim() === ""}
      />
      <Checkbox
        label="Same app registration as Dataverse"
        checked={form.sameApp}
        onChange={(_, data) => setSameApp(data.checked === true)}
      />
      {!form.sameApp && (
        <>
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
        </>
      )}
      <Advanced
        initiallyOpen={form.apiUrl !== "" || form.authority !== DEFAULT_AUTHORITY || form.scope !== ""}
        reveal={problems.apiUrl !== undefined || problems.authority !== undefined}
      >
        <TextField
          label="API URL"
          placeholder={bcApiUrl(form.tenant || "{tenant}", form.environment || "{environment}")}
          hint="Leave empty to use the URL built from the tenant and the environment."
          value={form.apiUrl}
          onChange={set("apiUrl")}
          problem={problems.apiUrl}
        />
        <TextField
          label="Authority host"
          value={form.authority}
          onChange={set("authority")}
          problem={problems.authority}
          required
        />
        <TextField
          label="Scope"
          placeholder="https://api.businesscentral.dynamics.com/.default"
          hint="Leave empty for Business Central's default scope."
          value={form.scope}
          onChange={set("scope")}
        />
      </Advanced>
      <Caption1 className={styles.muted}>Connects to {input.url}</Caption1>
      {companies.length > 0 && (
        <Field label="Company" hint="Choosing another company asks for a new test.">
          <Dropdown
            placeholder="Choose a company"
            value={chosen?.name ?? ""}
            selectedOptions={form.company ? [form.company] : []}
            onOptionSelect={(_, data) => onChange({ ...form, company: data.optionValue ?? null })}
          >
            {companies.map((c) => (
              <Option key={c.id} value={c.id}>
                {c.name}
              </Option>
            ))}
          </Dropdown>
        </Field>
      )}
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
