import {
  Badge,
  Caption1,
  Checkbox,
  Table,
  TableBody,
  TableCell,
  TableCellLayout,
  TableHeader,
  TableHeaderCell,
  TableRow,
  makeStyles,
  tokens,
  useArrowNavigationGroup,
} from "@fluentui/react-components";
import type { BadgeProps } from "@fluentui/react-components";
import { observeElementRect, useVirtualizer } from "@tanstack/react-virtual";
import type { Virtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import type { RecordRow, RecordStatus, Side } from "../../ipc/client";
import { SYSTEM, entityNoun, fullTime, otherSide, whenText } from "./wording";

/** Every row has the same height, so 40,000 rows scroll without measuring any. */
const ROW_HEIGHT = 56;

const STATUS: Record<RecordStatus, { label: string; color: BadgeProps["color"] }> = {
  coupled: { label: "Coupled", color: "success" },
  not_coupled: { label: "Not coupled", color: "informative" },
  failed: { label: "Failed", color: "danger" },
  skipped: { label: "Skipped", color: "warning" },
  counterpart_missing: { label: "Counterpart deleted", color: "severe" },
};

const useStyles = makeStyles({
  table: { minWidth: "720px" },
  header: {
    overflowY: "hidden",
    scrollbarGutter: "stable",
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  scroller: {
    height: "calc(100vh - 360px)",
    minHeight: "280px",
    overflowY: "auto",
    scrollbarGutter: "stable",
  },
  body: { position: "relative", width: "100%" },
  row: { position: "absolute", top: 0, left: 0, width: "100%", height: `${ROW_HEIGHT}px`, cursor: "pointer" },
  select: { flexGrow: 0, flexBasis: "44px" },
  name: { flexGrow: 3, flexBasis: 0, minWidth: 0 },
  synced: { flexGrow: 0, flexBasis: "150px" },
  status: {
    flexGrow: 2,
    flexBasis: 0,
    minWidth: 0,
    display: "flex",
    flexDirection: "column",
    alignItems: "flex-start",
    justifyContent: "center",
    gap: tokens.spacingVerticalXXS,
  },
  muted: { color: tokens.colorNeutralForeground3 },
  error: {
    color: tokens.colorPaletteRedForeground1,
    maxWidth: "100%",
    overflow: "hidden",
    textOverflow: "ellipsis",
    whiteSpace: "nowrap",
  },
});

/**
 * Tells the virtualizer the list's size; an element with no size yet (not laid out, or in jsdom)
 * keeps the initial size instead of showing no rows.
 */
function observeLaidOutRect(instance: Virtualizer<HTMLDivElement, Element>, cb: (rect: { width: number; height: number }) => void) {
  return observeElementRect(instance, (rect) => {
    if (rect.height > 0) {
      cb(rect);
    }
  });
}

type Props = {
  rows: readonly RecordRow[];
  side: Side;
  entity: string;
  counterpartEntity: string;
  selected: ReadonlySet<string>;
  onSelect: (ids: string[], selected: boolean) => void;
};

/** The records side by side with their counterparts, virtualized, with a checkbox per row. */
export function RecordsTable({ rows, side, entity, counterpartEntity, selected, onSelect }: Props) {
  const styles = useStyles();
  const scroller = useRef<HTMLDivElement>(null);
  const arrows = useArrowNavigationGroup({ axis: "vertical", memorizeCurrent: true });
  // No React Compiler memoizes this component, so the virtualizer's changing functions are safe here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (index) => rows[index]?.id ?? index,
    initialRect: { width: 960, height: 640 },
    observeElementRect: observeLaidOutRect,
    overscan: 10,
  });
  // Worked out once per list and selection, not on every scrolled frame.
  const all = useMemo(() => rows.map((row) => row.id), [rows]);
  const chosen = useMemo(() => all.reduce((n, id) => (selected.has(id) ? n + 1 : n), 0), [all, selected]);
  const one = entityNoun(entity);
  const anchor = useRef<number | null>(null);

  /** Selects or clears one row; with Shift, every row from the last one clicked to this one. */
  function toggle(index: number, on: boolean, range: boolean) {
    const from = range && anchor.current !== null ? Math.min(anchor.current, index) : index;
    const to = range && anchor.current !== null ? Math.max(anchor.current, index) : index;
    anchor.current = index;
    onSelect(all.slice(from, to + 1), on);
  }

  return (
    <Table noNativeElements aria-label={`${SYSTEM[side]} ${entityNoun(entity, 2)}`} aria-rowcount={rows.length + 1} className={styles.table}>
      <div className={styles.header}>
        <TableHeader>
          <TableRow aria-rowindex={1}>
            <TableHeaderCell className={styles.select}>
              <Checkbox
                aria-label="Select all"
                checked={chosen === 0 ? false : chosen === rows.length ? true : "mixed"}
                disabled={rows.length === 0}
                onChange={() => onSelect(all, chosen < rows.length)}
              />
            </TableHeaderCell>
            <TableHeaderCell className={styles.name}>Name</TableHeaderCell>
            <TableHeaderCell className={styles.name}>
              {SYSTEM[otherSide(side)]} {entityNoun(counterpartEntity)}
            </TableHeaderCell>
            <TableHeaderCell className={styles.synced}>Last synchronized</TableHeaderCell>
            <TableHeaderCell className={styles.status}>Status</TableHeaderCell>
          </TableRow>
        </TableHeader>
      </div>
      <div ref={scroller} className={styles.scroller} {...arrows}>
        <TableBody className={styles.body} style={{ height: `${virtualizer.getTotalSize()}px` }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) {
              return null;
            }
            const isSelected = selected.has(row.id);
            const status = STATUS[row.status];
            return (
              <TableRow
                key={item.key}
                aria-rowindex={item.index + 2}
                aria-selected={isSelected}
                appearance={isSelected ? "brand" : "none"}
                className={styles.row}
                style={{ transform: `translateY(${item.start}px)` }}
                onClick={(e) => toggle(item.index, !isSelected, e.shiftKey)}
              >
                <TableCell className={styles.select} onClick={(e) => e.stopPropagation()}>
                  <Checkbox
                    aria-label={`Select ${row.title || one}`}
                    checked={isSelected}
                    onChange={(e, data) =>
                      toggle(item.index, data.checked === true, "shiftKey" in e.nativeEvent && e.nativeEvent.shiftKey === true)
                    }
                  />
                </TableCell>
                <TableCell className={styles.name}>
                  <TableCellLayout truncate description={row.key ?? undefined}>
                    {row.title || <span className={styles.muted}>(no name)</span>}
                  </TableCellLayout>
                </TableCell>
                <TableCell className={styles.name}>
                  <TableCellLayout truncate>
                    {row.counterpart_title ?? <span className={styles.muted}>—</span>}
                  </TableCellLayout>
                </TableCell>
                <TableCell className={styles.synced}>
                  {row.last_synced_at ? (
                    <span title={fullTime(row.last_synced_at)}>{whenText(row.last_synced_at)}</span>
                  ) : (
                    <span className={styles.muted}>Never</span>
                  )}
                </TableCell>
                <TableCell className={styles.status}>
                  <Badge appearance="tint" color={status.color}>
                    {status.label}
                  </Badge>
                  {row.error && (
                    <Caption1 className={styles.error} title={row.error}>
                      {row.error}
                    </Caption1>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </div>
    </Table>
  );
}
