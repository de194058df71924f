// How much of each service's request quota a running synchronization uses, in words.

import type { ServiceUsage } from "../../ipc/client";

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function span(seconds: number): string {
  return seconds > 0 && seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

/** "Dataverse 1,234/6,000 requests in 5 min, throttled 2× (waited 12 s)". */
export function usageText(service: string, usage: ServiceUsage): string {
  const requests = usage.limit === null ? count(usage.requests) : `${count(usage.requests)}/${count(usage.limit)}`;
  const line = `${service} ${requests} requests in ${span(usage.window_secs)}`;
  if (usage.throttled === 0) return line;
  const waited = Math.round(usage.throttle_wait_ms / 1000);
  return `${line}, throttled ${count(usage.throttled)}× (waited ${count(waited)} s)`;
}

/** Both services' lines joined, Business Central first; empty when neither is measured. */
export function quotaText(erp: ServiceUsage | null | undefined, crm: ServiceUsage | null | undefined): string {
  const parts: string[] = [];
  if (erp) parts.push(usageText("Business Central", erp));
  if (crm) parts.push(usageText("Dataverse", crm));
  return parts.join(" · ");
}
