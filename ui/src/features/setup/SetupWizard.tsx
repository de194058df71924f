import { Body1, Button, Card, Title1, makeStyles, tokens } from "@fluentui/react-components";
import { ArrowLeft20Regular, ArrowRight20Regular } from "@fluentui/react-icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { finishSetup, mappingCatalog, startFullSync } from "../../ipc/client";
import { BusinessCentralStep } from "./BusinessCentralStep";
import { CancelSetup } from "./CancelSetup";
import { DataverseStep } from "./DataverseStep";
import { crmInput, erpInput, passedFor, settleCompany, type Draft, type Tested } from "./draft";
import { FinishStep } from "./FinishStep";
import { IntegrationUserStep } from "./IntegrationUserStep";
import { inCatalogOrder } from "./mappingChoice";
import { MappingsStep } from "./MappingsStep";
import { StepIndicator } from "./StepIndicator";

const STEPS = ["Dataverse", "Business Central", "Integration user", "Mappings", "Finish"];

const useStyles = makeStyles({
  page: { maxWidth: "960px", margin: "0 auto", display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  card: { padding: tokens.spacingHorizontalXL },
  footer: { display: "flex", gap: tokens.spacingHorizontalS, justifyContent: "flex-end" },
});

type Tests = { crm?: Tested; erp?: Tested };

/** The assisted connection setup: both sides tested, mappings chosen; nothing is saved before Finish. */
export function SetupWizard({ initial, onCancel }: { initial: Draft; onCancel: () => void }) {
  const styles = useStyles();
  const queries = useQueryClient();
  const [step, setStep] = useState(0);
  const [draft, setDraft] = useState(initial);
  const [tests, setTests] = useState<Tests>({});
  const [picked, setPicked] = useState<Set<string> | null>(null);
  const [fullSync, setFullSync] = useState(true);
  const catalog = useQuery({ queryKey: ["mapping-catalog"], queryFn: mappingCatalog });

  const crm = crmInput(draft.crm);
  const erp = erpInput(draft.erp, draft.crm);
  const chosen = picked ?? new Set(catalog.data?.map((m) => m.name));
  const names = inCatalogOrder(catalog.data ?? [], chosen);

  const finish = useMutation({
    mutationFn: async () => {
      await finishSetup(erp, crm, names);
      if (fullSync) {
        // The full synchronization page shows how the run goes, or why it did not start.
        await startFullSync().catch(() => undefined);
      }
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: ["app-status"] }),
  });

  const onErpTested = (t: Tested) => {
    const { tested, company } = settleCompany(t);
    setTests((s) => ({ ...s, erp: tested }));
    setDraft((d) => (d.erp.company === t.input.company ? { ...d, erp: { ...d.erp, company } } : d));
  };

  const ready = [passedFor(tests.crm, crm), passedFor(tests.erp, erp), true, names.length > 0, false][step];
  const next = () => {
    if (step === 0 && draft.erp.tenant.trim() === "") {
      setDraft({ ...draft, erp: { ...draft.erp, tenant: draft.crm.tenant } });
    }
    setStep(step + 1);
  };

  return (
    <main className={styles.page}>
      <Title1 as="h1">Connect Couplet</Title1>
      <Body1>
        Couplet tests each connection step by step and says exactly what failed. Nothing is saved until Finish.
      </Body1>
      <StepIndicator steps={STEPS} current={step} />
      <Card className={styles.card}>
        {step === 0 && (
          <DataverseStep
            form={draft.crm}
            onChange={(form) => setDraft({ ...draft, crm: form })}
            tested={tests.crm}
            onTested={(t) => setTests((s) => ({ ...s, crm: t }))}
          />
        )}
        {step === 1 && (
          <BusinessCentralStep
            form={draft.erp}
            crm={draft.crm}
            onChange={(form) => setDraft({ ...draft, erp: form })}
            tested={tests.erp}
            onTested={onErpTested}
          />
        )}
        {step === 2 && (
          <IntegrationUserStep
            crm={tests.crm?.view.integration_user ?? null}
            erp={tests.erp?.view.integration_user ?? null}
            erpClientId={erp.client_id}
          />
        )}
        {step === 3 && (
          <MappingsStep
            catalog={catalog.data}
            loading={catalog.isPending}
            error={catalog.error}
            chosen={chosen}
            onChange={setPicked}
          />
        )}
        {step === 4 && (
          <FinishStep
            crm={crm}
            erp={erp}
            companyName={tests.erp?.view.company?.name}
            mappings={(catalog.data ?? []).filter((m) => chosen.has(m.name))}
            fullSync={fullSync}
            onFullSyncChange={setFullSync}
            finishing={finish.isPending || finish.isSuccess}
            error={finish.error}
            onFinish={() => finish.mutate()}
          />
        )}
      </Card>
      <div className={styles.footer}>
        <CancelSetup changed={JSON.stringify(draft) !== JSON.stringify(initial)} onCancel={onCancel} />
        <Button
          icon={<ArrowLeft20Regular />}
          disabled={step === 0 || finish.isPending}
          onClick={() => setStep(step - 1)}
        >
          Back
        </Button>
        {step < STEPS.length - 1 && (
          <Button
            appearance="primary"
            icon={<ArrowRight20Regular />}
            iconPosition="after"
            disabled={!ready}
            onClick={next}
          >
            Next
          </Button>
        )}
      </div>
    </main>
  );
}
