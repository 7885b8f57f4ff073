"""Time 1,000 uncertainty draws x all countries x both Commission scenarios (imaging only,
comprehensive) against the DESIGN.md budget of 10 s. Prints one line per step and the total.

    python -m bench.impact [--draws N]
"""

from __future__ import annotations

import argparse
import time

BUDGET_S = 10.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--draws", type=int, default=1000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    from imcap.impact import builtin, load_inputs, make_draws, simulate, summarise

    inp = load_inputs()
    t1 = time.perf_counter()
    draws = make_draws(inp, args.draws)
    t2 = time.perf_counter()
    world = {}
    for name in ("imaging", "comprehensive"):
        res = simulate(inp, builtin(name), draws)
        world[name] = summarise(res, "world")[0]
        summarise(res, "country")
    t3 = time.perf_counter()
    print(f"inputs loaded            {t1 - t0:6.2f} s")
    print(f"{args.draws} draws generated   {t2 - t1:6.2f} s")
    print(f"2 scenarios x {len(inp.iso3)} countries x {args.draws} draws + summaries "
          f"{t3 - t2:6.2f} s")
    model = t3 - t1
    print(f"impact model total       {model:6.2f} s  (budget {BUDGET_S:.0f} s: "
          f"{'OK' if model <= BUDGET_S else 'OVER'}, ratio {model / BUDGET_S:.2f})")
    for name, row in world.items():
        print(f"  {name:14s} deaths averted {row['deaths_averted_median'] / 1e6:5.2f} M "
              f"({row['deaths_averted_lo'] / 1e6:.2f}-{row['deaths_averted_hi'] / 1e6:.2f}), "
              f"return FI {row['return_fi_median']:6.1f}, HC {row['return_hc_median']:5.2f}")


if __name__ == "__main__":
    main()
