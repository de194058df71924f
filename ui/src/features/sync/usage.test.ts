import { describe, expect, it } from "vitest";
import type { ServiceUsage } from "../../ipc/client";
import { quotaText, usageText } from "./usage";

const calm: ServiceUsage = {
  requests: 1_234,
  limit: 6_000,
  window_secs: 300,
  throttled: 0,
  throttle_wait_ms: 0,
  burst_remaining: 4_766,
  time_remaining_ms: null,
  concurrency: 8,
};

describe("quota used by a synchronization", () => {
  it("counts requests against the published limit and names throttling only when there was some", () => {
    expect(usageText("Dataverse", calm)).toBe("Dataverse 1,234/6,000 requests in 5 min");
    expect(usageText("Dataverse", { ...calm, throttled: 2, throttle_wait_ms: 11_600 })).toBe(
      "Dataverse 1,234/6,000 requests in 5 min, throttled 2× (waited 12 s)",
    );
    expect(usageText("Business Central", { ...calm, limit: null, window_secs: 90, requests: 7 })).toBe(
      "Business Central 7 requests in 90 s",
    );
  });

  it("joins both services and says nothing when neither is measured", () => {
    expect(quotaText({ ...calm, requests: 120 }, calm)).toBe(
      "Business Central 120/6,000 requests in 5 min · Dataverse 1,234/6,000 requests in 5 min",
    );
    expect(quotaText(null, undefined)).toBe("");
  });
});
