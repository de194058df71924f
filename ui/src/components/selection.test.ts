import { describe, expect, it } from "vitest";
import { withToggled } from "./selection";

describe("multi-selection", () => {
  it("adds or removes the given ids and leaves the current set untouched", () => {
    const current = new Set(["a", "b"]);
    expect([...withToggled(current, ["c", "a"], true)].sort()).toEqual(["a", "b", "c"]);
    expect([...withToggled(current, ["a", "z"], false)]).toEqual(["b"]);
    expect([...current].sort()).toEqual(["a", "b"]);
  });
});
