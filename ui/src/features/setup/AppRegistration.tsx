// The fields and the Test button both connection steps share: the Entra app registration
// (tenant, client id, secret or certificate, authority host) and testing the step's input.
import { Field, Radio, RadioGroup, Textarea } from "@fluentui/react-components";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { ConnectionInput } from "../../ipc/client";
import { testConnection } from "../../ipc/client";
import type { AppCredential, Problems, Tested } from "./draft";
import { TextField } from "./TextField";

/** The app-registration part of either step's form. */
type Registration = {
  tenant: string;
  clientId: string;
  credential: AppCredential;
  secret: string;
  certificate: string;
  authority: string;
};

type FieldProps = {
  form: Registration;
  problems: Problems<Registration>;
  set: (field: keyof Registration) => (value: string) => void;
};

/** The Entra tenant. */
export function TenantField({ form, problems, set }: FieldProps) {
  return (
    <TextField
      label="Tenant"
      placeholder="contoso.onmicrosoft.com or the tenant id"
      value={form.tenant}
      onChange={set("tenant")}
      problem={problems.tenant}
      required
    />
  );
}

/** The application (client) id, and its client secret or certificate. */
export function ClientFields({ form, problems, set }: FieldProps) {
  return (
    <>
      <TextField
        label="Application (client) ID"
        value={form.clientId}
        onChange={set("clientId")}
        problem={problems.clientId}
        required
      />
      <Field label="The app signs in with">
        <RadioGroup
          layout="horizontal"
          value={form.credential}
          onChange={(_, data) => set("credential")(data.value)}
        >
          <Radio value="client_secret" label="A client secret" />
          <Radio value="certificate" label="A certificate" />
        </RadioGroup>
      </Field>
      {form.credential === "certificate" ? (
        <Field
          label="Certificate (PEM)"
          required
          validationMessage={problems.certificate}
          hint="The path of a PEM file holding the certificate and its private key, or the PEM pasted here. Upload the certificate to the app registration (Certificates & secrets); the private key is kept in the operating system's keychain after Finish."
        >
          <Textarea
            value={form.certificate}
            placeholder="/path/to/couplet.pem or -----BEGIN CERTIFICATE-----…"
            spellCheck={false}
            resize="vertical"
            onChange={(_, data) => set("certificate")(data.value)}
          />
        </Field>
      ) : (
        <TextField
          label="Client secret"
          value={form.secret}
          onChange={set("secret")}
          problem={problems.secret}
          hint="Kept in the operating system's keychain after Finish."
          required
          password
        />
      )}
    </>
  );
}

/** The Entra authority host (the emulated systems bring their own). */
export function AuthorityField({ form, problems, set }: FieldProps) {
  return (
    <TextField
      label="Authority host"
      value={form.authority}
      onChange={set("authority")}
      problem={problems.authority}
      required
    />
  );
}

/**
 * Testing a step: the form's problems are shown once the user pressed Test, and the test runs
 * only when there are none.
 */
export function useStepTest<F>(
  form: F,
  problemsOf: (form: F) => Problems<F>,
  input: ConnectionInput,
  onTested: (tested: Tested) => void,
) {
  const [showProblems, setShowProblems] = useState(false);
  const test = useMutation({ mutationFn: testConnection, onSuccess: (view, tested) => onTested({ input: tested, view }) });
  const runTest = () => {
    setShowProblems(true);
    if (Object.keys(problemsOf(form)).length === 0) {
      test.mutate(input);
    }
  };
  const problems: Problems<F> = showProblems ? problemsOf(form) : {};
  return {
    problems,
    runTest,
    pending: test.isPending,
    error: test.error,
  };
}
