import { describe, expect, it } from "vitest";
import { active, blocked, maintenance, pickVerdict, waiting } from "../../src/status.js";

describe("pickVerdict", () => {
  it("orders error > blocked > maintenance > waiting > active", () => {
    const error = { level: "error" as const, message: "fault" };
    expect(pickVerdict([active("a"), waiting("w"), maintenance("m"), blocked("b"), error], active("x"))).toBe(error);
    expect(pickVerdict([active("a"), waiting("w"), blocked("b"), maintenance("m")], active("x")).message).toBe("b");
    expect(pickVerdict([waiting("w"), maintenance("m")], active("x")).message).toBe("m");
  });

  it("keeps the first of equal severity and falls back when nothing was reported", () => {
    expect(pickVerdict([blocked("first"), blocked("second")], active("x")).message).toBe("first");
    expect(pickVerdict([], active("Ready")).message).toBe("Ready");
  });
});
