import { describe, expect, it } from "vitest";
import { editDistance, similarity, suggestMatch, words } from "./similarity";

describe("similarity of record names", () => {
  it("splits names into meaningful words", () => {
    expect(words("  Adatum Corporation, Inc. ")).toEqual(["adatum"]);
    expect(words("Café Müller")).toEqual(["cafe", "muller"]);
    expect(words("Inc.")).toEqual(["inc"]);
  });

  it("counts edits", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  it("scores the same words as 1 and unrelated names low", () => {
    expect(similarity("Adatum Corporation", "ADATUM corp.")).toBe(1);
    expect(similarity("Trey Research", "Research Trey")).toBe(1);
    expect(similarity("Fabrikam", "Contoso")).toBeLessThan(0.5);
    expect(similarity("", "Contoso")).toBe(0);
  });

  it("scores a misspelt name above an unrelated one", () => {
    expect(similarity("Fabrikam Inc", "Fabrikan")).toBeGreaterThan(similarity("Fabrikam Inc", "Northwind Traders"));
  });
});

describe("suggested match", () => {
  const candidates = [
    { id: "1", title: "Adatum Corp" },
    { id: "2", title: "  adatum corporation " },
    { id: "3", title: "Northwind Traders" },
  ];

  it("prefers the same name, ignoring case and spaces", () => {
    expect(suggestMatch("Adatum Corporation", candidates)?.id).toBe("2");
  });

  it("falls back to the most alike name", () => {
    expect(suggestMatch("Northwind Trading", candidates)?.id).toBe("3");
  });

  it("suggests nothing when no name is alike", () => {
    expect(suggestMatch("Litware", candidates)).toBeUndefined();
    expect(suggestMatch("Litware", [])).toBeUndefined();
  });
});
