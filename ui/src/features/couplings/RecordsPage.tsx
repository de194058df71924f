import {
  Badge,
  Body1,
  Button,
  Caption1,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  SearchBox,
  Spinner,
  Tab,
  TabList,
  Title1,
  Toolbar,
  ToolbarButton,
  ToolbarDivider,
  Tooltip,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import {
  AddRegular,
  ArrowClockwiseRegular,
  ArrowSyncRegular,
  DismissRegular,
  LinkDismissRegular,
  LinkRegular,
} from "@fluentui/react-icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useMemo, useState } from "react";
import type { Direction, RecordRow, Side } from "../../ipc/client";
import { listRecords, syncRecords, uncoupleRecords } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";
import { withToggled } from "../../components/selection";
import { CoupleDialog } from "./CoupleDialog";
import { FILTERS, countByFilter, filterRecords, isCoupled, searchRecords, searchable } from "./records";
import type { RecordFilter } from "./records";
import { RecordsTable } from "./RecordsTable";
import { SyncDirectionDialog } from "./SyncDirectionDialog";
import { UncoupleDialog } from "./UncoupleDialog";
import { SYSTEM, countOf, directionFrom, entityNoun, otherSide, syncOutcome } from "./wording";
import type { Outcome } from "./wording";

const useStyles = makeStyles({
  page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  bar: { display: "flex", flexWrap: "wrap", alignItems: "center", gap: tokens.spacingHorizontalL },
  search: { width: "320px", maxWidth: "100%" },
  toolbar: { flexWrap: "wrap" },
  selection: { marginLeft: "auto", color: tokens.colorNeutralForeground3 },
  retry: { alignSelf: "flex-start" },
  empty: {
    padding: tokens.spacingVerticalXXL,
    textAlign: "center",
    color: tokens.colorNeutralForeground3,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusMedium,
  },
});

/** An action on the chosen records: what it says while it runs, its title if it fails, and the work. */
type Action = { busy: string; failure: string; run: () => Promise<Outcome> };

type OpenDialog = { kind: "couple"; record: RecordRow } | { kind: "uncouple" } | { kind: "direction" } | null;

type Props = {
  mapping: string;
  side: Side;
  title: string;
  description: string;
  /** The filter tab shown first; "Not coupled" on the Dataverse side, "All" otherwise. */
  initialFilter?: RecordFilter;
};

/**
 * The records of one side of a table mapping with their counterparts: search, filter, choose rows
 * and couple, uncouple, synchronize them now or create them on the other side.
 */
export function RecordsPage({ mapping, side, title, description, initialFilter }: Props) {
  const styles = useStyles();
  const queries = useQueryClient();
  const [search, setSearch] = useState("");
  const deferredSearch = useDeferredValue(search);
  const [filter, setFilter] = useState<RecordFilter>(initialFilter ?? (side === "crm" ? "not_coupled" : "all"));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const list = useQuery({ queryKey: ["records", mapping, side], queryFn: () => listRecords(mapping, side) });
  const all = useMemo(() => searchable(list.data?.rows ?? []), [list.data]);
  const found = useMemo(() => searchRecords(all, deferredSearch), [all, deferredSearch]);
  const counts = useMemo(() => countByFilter(found), [found]);
  const shown = useMemo(() => filterRecords(found, filter), [found, filter]);
  const chosen = useMemo(() => shown.filter((r) => selected.has(r.id)), [shown, selected]);
  const chosenCoupled = chosen.filter(isCoupled);
  const chosenUncoupled = chosen.filter((r) => !isCoupled(r));

  const entity = list.data?.entity ?? "records";
  const counterpartEntity = list.data?.counterpart_entity ?? "records";
  const direction: Direction = list.data?.direction ?? directionFrom(side);
  const other = otherSide(side);
  const createDirection = directionFrom(side);
  const canCreate = direction === "bidirectional" || direction === createDirection;

  const act = useMutation({
    mutationFn: (action: Action) => action.run(),
    onMutate: () => setOutcome(null),
    onSuccess: (result) => {
      setOutcome(result);
      if (result.intent !== "error") {
        setSelected(new Set());
      }
    },
    onSettled: () => {
      void queries.invalidateQueries({ queryKey: ["records", mapping] });
      void queries.invalidateQueries({ queryKey: ["mappings"] });
    },
  });

  function select(ids: string[], on: boolean) {
    setSelected((current) => withToggled(current, ids, on));
  }

  function synchronize(rows: RecordRow[], way: Direction, verb = "Synchronizing") {
    const ids = rows.map((r) => r.id);
    const what = countOf(ids.length, entity);
    act.mutate({
      busy: `${verb} ${what}…`,
      failure: `The ${entityNoun(entity, 2)} could not be synchronized`,
      run: async () => syncOutcome(await syncRecords(mapping, side, ids, way), ids.length, entity),
    });
  }

  function uncouple(rows: RecordRow[]) {
    const ids = rows.map((r) => r.id);
    setDialog(null);
    act.mutate({
      busy: `Uncoupling ${countOf(ids.length, entity)}…`,
      failure: `The ${entityNoun(entity, 2)} could not be uncoupled`,
      run: async () => ({ intent: "success", text: `Uncoupled ${countOf(await uncoupleRecords(mapping, side, ids), entity)}` }),
    });
  }

  const busy = act.isPending;
  const plural = entityNoun(entity, 2);
  const needle = deferredSearch.trim();

  function emptyText(): string {
    if (list.data?.rows.length === 0) {
      return `There are no ${plural} in ${SYSTEM[side]} for this mapping.`;
    }
    if (needle !== "") {
      const tab = FILTERS.find((f) => f.value === filter)?.label ?? "";
      return `No ${plural} match “${needle}”${filter === "all" ? "" : ` in ${tab}`}.`;
    }
    const byFilter: Record<RecordFilter, string> = {
      all: `There are no ${plural}.`,
      coupled: `No ${plural} are coupled yet.`,
      not_coupled: `Every ${entityNoun(entity)} is coupled.`,
      failed: `No ${entityNoun(entity)} failed its last synchronization.`,
    };
    return byFilter[filter];
  }

  return (
    <main className={styles.page}>
      <Title1 as="h1">{title}</Title1>
      <Body1>{description}</Body1>

      <Toolbar aria-label={`${title} actions`} className={styles.toolbar}>
        <ToolbarButton icon={<ArrowClockwiseRegular />} disabled={list.isFetching} onClick={() => void list.refetch()}>
          Refresh
        </ToolbarButton>
        <ToolbarDivider />
        <ToolbarButton
          icon={<LinkRegular />}
          disabled={busy || chosen.length !== 1 || chosenUncoupled.length !== 1}
          onClick={() => chosenUncoupled[0] && setDialog({ kind: "couple", record: chosenUncoupled[0] })}
        >
          Couple…
        </ToolbarButton>
        <ToolbarButton
          icon={<LinkDismissRegular />}
          disabled={busy || chosenCoupled.length === 0}
          onClick={() => setDialog({ kind: "uncouple" })}
        >
          Uncouple
        </ToolbarButton>
        <ToolbarButton
          icon={<ArrowSyncRegular />}
          disabled={busy || chosen.length === 0}
          onClick={() => (direction === "bidirectional" ? setDialog({ kind: "direction" }) : synchronize(chosen, direction))}
        >
          Synchronize now
        </ToolbarButton>
        <Tooltip
          relationship="description"
          content={
            canCreate
              ? `Creates the chosen ${plural} that are not coupled in ${SYSTEM[other]}. A ${SYSTEM[other]} ${entityNoun(counterpartEntity)} with the same name is coupled instead of duplicated.`
              : `This mapping only synchronizes ${SYSTEM[other]} → ${SYSTEM[side]}.`
          }
        >
          <ToolbarButton
            icon={<AddRegular />}
            disabled={busy || !canCreate || chosenUncoupled.length === 0}
            onClick={() => synchronize(chosenUncoupled, createDirection, "Creating")}
          >
            Create in {SYSTEM[other]}
          </ToolbarButton>
        </Tooltip>
        {busy && act.variables && <Spinner size="tiny" label={act.variables.busy} />}
        {!busy && list.isFetching && !list.isPending && <Spinner size="tiny" label="Refreshing…" />}
        <Caption1 className={styles.selection}>
          {chosen.length > 0 ? `${chosen.length.toLocaleString()} selected` : ""}
        </Caption1>
      </Toolbar>

      {outcome && (
        <MessageBar intent={outcome.intent} role={outcome.intent === "error" ? "alert" : "status"}>
          <MessageBarBody>{outcome.text}</MessageBarBody>
          <MessageBarActions
            containerAction={
              <Button appearance="transparent" aria-label="Dismiss" icon={<DismissRegular />} onClick={() => setOutcome(null)} />
            }
          />
        </MessageBar>
      )}
      {act.isError && act.variables && <ErrorBar title={act.variables.failure} error={act.error} />}
      {list.isError && (
        <>
          <ErrorBar title={`${title} could not be read`} error={list.error} />
          <Button className={styles.retry} icon={<ArrowClockwiseRegular />} onClick={() => void list.refetch()}>
            Retry
          </Button>
        </>
      )}

      <div className={styles.bar}>
        <SearchBox
          aria-label="Search"
          className={styles.search}
          placeholder="Search by name, number or counterpart"
          value={search}
          onChange={(_, data) => setSearch(data.value)}
        />
        <TabList
          aria-label="Filter"
          selectedValue={filter}
          onTabSelect={(_, data) => setFilter(data.value as RecordFilter)}
        >
          {FILTERS.map((f) => (
            <Tab key={f.value} value={f.value}>
              {f.label}{" "}
              <Badge appearance="tint" color={f.value === "failed" && counts.failed > 0 ? "danger" : "informative"}>
                {counts[f.value].toLocaleString()}
              </Badge>
            </Tab>
          ))}
        </TabList>
      </div>

      {list.isPending && <Spinner label={`Reading the records from ${SYSTEM.erp} and ${SYSTEM.crm}…`} />}
      {list.data &&
        (shown.length === 0 ? (
          <Body1 className={styles.empty}>{emptyText()}</Body1>
        ) : (
          <RecordsTable
            rows={shown}
            side={side}
            entity={entity}
            counterpartEntity={counterpartEntity}
            selected={selected}
            onSelect={select}
          />
        ))}

      {dialog?.kind === "couple" && (
        <CoupleDialog
          mapping={mapping}
          side={side}
          record={dialog.record}
          counterpartEntity={counterpartEntity}
          onCoupled={(text) => {
            act.reset();
            setOutcome({ intent: "success", text });
            setSelected(new Set());
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === "uncouple" && (
        <UncoupleDialog
          what={countOf(chosenCoupled.length, entity)}
          onUncouple={() => uncouple(chosenCoupled)}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === "direction" && (
        <SyncDirectionDialog
          what={countOf(chosen.length, entity)}
          initial={directionFrom(side)}
          onSynchronize={(way) => {
            setDialog(null);
            synchronize(chosen, way);
          }}
          onClose={() => setDialog(null)}
        />
      )}
    </main>
  );
}
