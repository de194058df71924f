import { describe, expect, it } from "vitest";
import { paceText } from "./pace";

describe("pace of a pass", () => {
  it("gives the rate and, with a known total, the time left", () => {
    const seen = { at: 0, processed: 1_000 };
    expect(paceText(seen, 5_000, 25_000, 4_000)).toBe("1,000 records/s · about 20 s left");
    expect(paceText(seen, 5_000, 365_000, 4_000)).toBe("1,000 records/s · about 6 min left");
    expect(paceText(seen, 5_000, null, 4_000)).toBe("1,000 records/s");
  });

  it("says nothing until a second has passed and records moved", () => {
    expect(paceText({ at: 0, processed: 10 }, 500, 1_000, 500)).toBe("");
    expect(paceText({ at: 0, processed: 10 }, 10, 1_000, 5_000)).toBe("");
  });
});
