import {
  Badge,
  Body1,
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Input,
  Radio,
  RadioGroup,
  Spinner,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { SearchRegular } from "@fluentui/react-icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useMemo, useState } from "react";
import type { RecordRow, Side } from "../../ipc/client";
import { coupleRecords, listRecords } from "../../ipc/client";
import { ErrorBar } from "../../components/ErrorBar";
import { isCoupled } from "./records";
import { similarity, suggestMatch } from "./similarity";
import { SYSTEM, entityNoun, otherSide } from "./wording";

/** How many candidates the dialog lists at once; the search narrows the rest. */
const SHOWN = 50;

const useStyles = makeStyles({
  content: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  list: {
    maxHeight: "320px",
    overflowY: "auto",
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingVerticalXS,
  },
  label: { display: "inline-flex", alignItems: "center", gap: tokens.spacingHorizontalS },
  muted: { color: tokens.colorNeutralForeground3 },
});

type Props = {
  mapping: string;
  side: Side;
  record: RecordRow;
  /** The entity of the records it can be coupled to. */
  counterpartEntity: string;
  onCoupled: (text: string) => void;
  onClose: () => void;
};

/** Couples one record to a not yet coupled record of the other side, suggesting the most alike. */
export function CoupleDialog({ mapping, side, record, counterpartEntity, onCoupled, onClose }: Props) {
  const styles = useStyles();
  const queries = useQueryClient();
  const other = otherSide(side);
  const them = `${SYSTEM[other]} ${entityNoun(counterpartEntity, 2)}`;
  const [search, setSearch] = useState("");
  const deferredSearch = useDeferredValue(search);
  const [choice, setChoice] = useState<string>();

  const list = useQuery({ queryKey: ["records", mapping, other], queryFn: () => listRecords(mapping, other) });
  const candidates = useMemo(() => (list.data?.rows ?? []).filter((r) => !isCoupled(r)), [list.data]);
  const suggestion = useMemo(() => suggestMatch(record.title, candidates), [record.title, candidates]);
  const ranked = useMemo(
    () =>
      candidates
        .map((row) => ({ row, score: row === suggestion ? 2 : similarity(record.title, row.title) }))
        .sort((a, b) => b.score - a.score || a.row.title.localeCompare(b.row.title))
        .map((c) => c.row),
    [candidates, suggestion, record.title],
  );
  const matching = useMemo(() => {
    const needle = deferredSearch.trim().toLowerCase();
    return needle === ""
      ? ranked
      : ranked.filter((r) => r.title.toLowerCase().includes(needle) || (r.key ?? "").toLowerCase().includes(needle));
  }, [ranked, deferredSearch]);
  const sameName = suggestion !== undefined && suggestion.title.trim().toLowerCase() === record.title.trim().toLowerCase();
  const chosenId = choice ?? (sameName ? suggestion.id : undefined);
  const chosen = candidates.find((c) => c.id === chosenId);

  const couple = useMutation({
    mutationFn: (target: RecordRow) =>
      side === "erp" ? coupleRecords(mapping, record.id, target.id) : coupleRecords(mapping, target.id, record.id),
    onSuccess: (_, target) => {
      onCoupled(`Coupled ${record.title} to ${target.title}`);
      onClose();
    },
    onSettled: () => {
      void queries.invalidateQueries({ queryKey: ["records", mapping] });
      void queries.invalidateQueries({ queryKey: ["mappings"] });
    },
  });

  return (
    <Dialog open onOpenChange={(_, data) => !data.open && onClose()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>
            Couple {record.title} to a {SYSTEM[other]} {entityNoun(counterpartEntity)}
          </DialogTitle>
          <DialogContent className={styles.content}>
            <Body1>
              Only {them} that are not coupled yet are listed. After coupling, the next synchronization updates
              them according to the mapping.
            </Body1>
            <Input
              aria-label={`Search ${them}`}
              placeholder="Search by name or number"
              contentBefore={<SearchRegular />}
              value={search}
              onChange={(_, data) => setSearch(data.value)}
            />
            {list.isPending && <Spinner size="small" label={`Reading ${them}…`} />}
            {list.isError && <ErrorBar title={`The ${them} could not be read`} error={list.error} />}
            {list.isSuccess && matching.length === 0 && (
              <Body1 className={styles.muted}>
                {deferredSearch.trim() === ""
                  ? `Every ${SYSTEM[other]} ${entityNoun(counterpartEntity)} is coupled already.`
                  : `No ${them} that are not coupled match “${deferredSearch.trim()}”.`}
              </Body1>
            )}
            {matching.length > 0 && (
              <RadioGroup
                aria-label={them}
                className={styles.list}
                value={chosenId ?? ""}
                onChange={(_, data) => setChoice(data.value)}
              >
                {matching.slice(0, SHOWN).map((row) => (
                  <Radio
                    key={row.id}
                    value={row.id}
                    label={
                      <span className={styles.label}>
                        {row.title}
                        {row.key && <Caption1 className={styles.muted}>{row.key}</Caption1>}
                        {row === suggestion && (
                          <Badge appearance="tint" color="brand">
                            Suggested match
                          </Badge>
                        )}
                      </span>
                    }
                  />
                ))}
              </RadioGroup>
            )}
            {matching.length > SHOWN && (
              <Caption1 className={styles.muted}>
                Showing the {SHOWN} most alike of {matching.length.toLocaleString()}; type to narrow the list.
              </Caption1>
            )}
            {couple.isError && <ErrorBar title="The records could not be coupled" error={couple.error} />}
          </DialogContent>
          <DialogActions>
            <Button
              appearance="primary"
              disabled={!chosen || couple.isPending}
              icon={couple.isPending ? <Spinner size="tiny" /> : undefined}
              onClick={() => chosen && couple.mutate(chosen)}
            >
              Couple
            </Button>
            <Button onClick={onClose}>Cancel</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
