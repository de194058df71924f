import { Advanced } from "./Advanced";
import { AuthorityField, ClientFields, TenantField, useStepTest } from "./AppRegistration";
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
  const set = (field: keyof CrmForm) => (value: string) => onChange({ ...form, [field]: value });
  const input = crmInput(form);
  const { problems, runTest, pending, error } = useStepTest(form, crmProblems, input, onTested);

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
      <TenantField form={form} problems={problems} set={set} />
      <ClientFields form={form} problems={problems} set={set} />
      <Advanced
        initiallyOpen={form.authority !== DEFAULT_AUTHORITY || form.scope !== ""}
        reveal={problems.authority !== undefined}
      >
        <AuthorityField form={form} problems={problems} set={set} />
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
        pending={pending}
        error={error}
        onTest={runTest}
      />
    </StepPanel>
  );
}
