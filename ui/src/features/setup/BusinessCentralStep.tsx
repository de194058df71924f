import {
  Caption1,
  Checkbox,
  Dropdown,
  Field,
  Option,
  Radio,
  RadioGroup,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { Advanced } from "./Advanced";
import { AuthorityField, ClientFields, TenantField, useStepTest } from "./AppRegistration";
import { ConnectionChecks } from "./ConnectionChecks";
import {
  DEFAULT_AUTHORITY,
  bcApiUrl,
  erpInput,
  erpProblems,
  passedFor,
  type CrmForm,
  type ErpForm,
  type Problems,
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

type FieldsProps = {
  form: ErpForm;
  problems: Problems<ErpForm>;
  set: (field: keyof ErpForm) => (value: string) => void;
};

/** Business Central online: the tenant, the environment and the app registration. */
function OnlineFields({ form, problems, set, setSameApp }: FieldsProps & { setSameApp: (same: boolean) => void }) {
  return (
    <>
      <TenantField form={form} problems={problems} set={set} />
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
      {!form.sameApp && <ClientFields form={form} problems={problems} set={set} />}
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
        <AuthorityField form={form} problems={problems} set={set} />
        <TextField
          label="Scope"
          placeholder="https://api.businesscentral.dynamics.com/.default"
          hint="Leave empty for Business Central's default scope."
          value={form.scope}
          onChange={set("scope")}
        />
      </Advanced>
    </>
  );
}

/** Business Central on-premises: the server's API URL, a user name and its web service access key. */
function OnPremisesFields({ form, problems, set }: FieldsProps) {
  return (
    <>
      <TextField
        label="API URL"
        placeholder="https://bc.contoso.com:7048/BC/api/v2.0"
        hint="The server's API root, up to and including api/v2.0."
        value={form.apiUrl}
        onChange={set("apiUrl")}
        problem={problems.apiUrl}
        required
      />
      <TextField label="User name" value={form.userName} onChange={set("userName")} problem={problems.userName} required />
      <TextField
        label="Web service access key"
        value={form.accessKey}
        onChange={set("accessKey")}
        problem={problems.accessKey}
        hint="From the user's card in Business Central. Kept in the operating system's keychain after Finish."
        required
        password
      />
    </>
  );
}

/** Step 2: the Business Central environment, how Couplet signs in, and the company. */
export function BusinessCentralStep({ form, crm, onChange, tested, onTested }: Props) {
  const styles = useStyles();
  const set = (field: keyof ErpForm) => (value: string) => onChange({ ...form, [field]: value });
  const input = erpInput(form, crm);
  const { problems, runTest, pending, error } = useStepTest(form, erpProblems, input, onTested);
  const companies = tested?.view.companies ?? [];
  const chosen = companies.find((c) => c.id === form.company);

  const setSameApp = (sameApp: boolean) =>
    onChange(
      sameApp
        ? { ...form, sameApp }
        : {
            ...form,
            sameApp,
            clientId: crm.clientId,
            credential: crm.credential,
            secret: crm.secret,
            certificate: crm.certificate,
          },
    );

  return (
    <StepPanel
      title="Business Central"
      explanation="The Business Central environment, how Couplet signs in to it, and the company to keep in step."
    >
      <Field label="Sign in with">
        <RadioGroup
          value={form.onPremises ? "basic" : "entra"}
          onChange={(_, data) => onChange({ ...form, onPremises: data.value === "basic" })}
        >
          <Radio value="entra" label="An Entra app registration (Business Central online)" />
          <Radio value="basic" label="A user name and web service access key (on-premises)" />
        </RadioGroup>
      </Field>
      {form.onPremises ? (
        <OnPremisesFields form={form} problems={problems} set={set} />
      ) : (
        <OnlineFields form={form} problems={problems} set={set} setSameApp={setSameApp} />
      )}
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
        pending={pending}
        error={error}
        onTest={runTest}
      />
    </StepPanel>
  );
}
