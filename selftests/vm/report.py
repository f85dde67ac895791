#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Data side of report.sh, for one run folder of the demo's report.

    report.py RUN WORK

reads RUN/events.jsonl (dpoctl patch's event log), RUN/load.json and
RUN/load.tsv (the load generator's summary and series) and writes
  WORK/series.tsv  one line per interval event: t, then for each plotted
                   metric its original, patched, threshold, baseline
  WORK/load.tsv    t, client throughput (req/s), failed and retried per row
  WORK/vars.gp     title, markers and plot commands for report.gp
  RUN/summary.txt  a human summary
and prints one line for the report's index.txt. Bad input: a message on
stderr naming the file (and line), exit 1. Only the json module is used.
"""
import json
import math
import os
import sys

# Plotted metrics, by panel: (name, label of its curves).
METRICS = ["lat_mean", "lat_p99", "cpu_per_req", "min_flt_per_req"]
VALUES = ["original", "patched", "threshold", "baseline"]
PHASE_NAMES = {1: "switch", 2: "drain", 3: "stop", 4: "end"}


class Bad(Exception):
    pass


def num(v):
    """A finite number or None (null, strings, NaN: no point)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def read_events(path):
    if not os.path.isfile(path):
        raise Bad(f"{path}: missing")
    events = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except ValueError as e:
                raise Bad(f"{path} line {n}: not JSON ({e})")
            if not isinstance(ev, dict) or not isinstance(ev.get("event"), str):
                raise Bad(f"{path} line {n}: not an event object")
            if num(ev.get("t")) is None:
                raise Bad(f"{path} line {n}: no number in its \"t\" field")
            events.append(ev)
    if not events:
        raise Bad(f"{path}: no events")
    return events


def read_load(run):
    path = os.path.join(run, "load.json")
    if not os.path.isfile(path):
        raise Bad(f"{path}: missing")
    try:
        with open(path, encoding="utf-8") as f:
            load = json.load(f)
    except ValueError as e:
        raise Bad(f"{path}: not JSON ({e})")
    if not isinstance(load, dict) or not isinstance(load.get("requests"), dict):
        raise Bad(f"{path}: no \"requests\" object")
    path = os.path.join(run, "load.tsv")
    if not os.path.isfile(path):
        raise Bad(f"{path}: missing")
    cols, rows = None, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            if line.startswith("#"):
                if cols is None:
                    cols = line.lstrip("#").split()
                continue
            if cols is None:
                raise Bad(f"{path} line {n}: data before the # header")
            fields = line.split()
            try:
                rows.append({c: float(fields[cols.index(c)])
                             for c in ("mono_s", "ok", "retried", "failed")})
            except ValueError:
                raise Bad(f"{path} line {n}: not a number")
            except IndexError:
                raise Bad(f"{path} line {n}: fewer columns than the header")
    if cols is None:
        raise Bad(f"{path}: no # header line")
    for c in ("mono_s", "ok", "retried", "failed"):
        if c not in cols:
            raise Bad(f"{path}: no {c} column in the header")
    return load, rows


def rates(load, rows):
    """Per row: (mono_s, ok/s, failed, retried) over the row's interval.
    The counts may be running totals or per row: the one that adds up to
    load.json's totals wins (running totals if it cannot tell)."""
    def cumulative(col):
        vals = [r[col] for r in rows]
        total = num(load["requests"].get(col))
        if total is not None and vals:
            return abs(vals[-1] - total) <= abs(sum(vals) - total)
        return all(b >= a for a, b in zip(vals, vals[1:]))
    cum = {c: cumulative(c) for c in ("ok", "failed", "retried")}
    out = []
    for prev, cur in zip(rows, rows[1:]):
        dt = cur["mono_s"] - prev["mono_s"]
        if dt <= 0:
            continue
        d = {c: cur[c] - prev[c] if cum[c] else cur[c] for c in cum}
        out.append((cur["mono_s"], d["ok"] / dt, d["failed"], d["retried"]))
    return out


def gp_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fmt(v, unit=""):
    if v is None:
        return "-"
    if abs(v) >= 100 or v == int(v):
        return f"{v:.0f}{unit}"
    return f"{v:.3g}{unit}"


def main():
    if len(sys.argv) != 3:
        print("usage: report.py RUN WORK", file=sys.stderr)
        return 2
    run, work = sys.argv[1], sys.argv[2]
    name = os.path.basename(os.path.normpath(run))
    try:
        events = read_events(os.path.join(run, "events.jsonl"))
        load, rows = read_load(run)
    except Bad as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 1

    # dpoctl's t is seconds since it started: t0 in CLOCK_MONOTONIC seconds.
    t0 = None
    for ev in events:
        if num(ev.get("mono_ns")) is not None:
            t0 = ev["mono_ns"] / 1e9 - ev["t"]
            break

    first = {}
    for ev in events:
        first.setdefault(ev["event"], ev)
    verdict, summary = first.get("verdict"), first.get("summary")

    # Intervals: one row each, NaN where a value is null or missing.
    series, have = [], set()
    for ev in events:
        if ev["event"] != "interval" or not isinstance(ev.get("metrics"), dict):
            continue
        row = [ev["t"]]
        for m in METRICS:
            mv = ev["metrics"].get(m)
            for v in VALUES:
                x = num(mv.get(v)) if isinstance(mv, dict) else None
                if x is not None:
                    have.add((m, v))
                row.append(x)
        series.append(row)
    with open(os.path.join(work, "series.tsv"), "w") as f:
        f.write("# t " + " ".join(f"{m}.{v}" for m in METRICS for v in VALUES) + "\n")
        for row in series:
            f.write("\t".join("NaN" if x is None else repr(x) for x in row) + "\n")

    load_rows = rates(load, rows) if t0 is not None else []
    with open(os.path.join(work, "load.tsv"), "w") as f:
        f.write("# t ok_per_s failed retried\n")
        for mono, rps, failed, retried in load_rows:
            f.write(f"{mono - t0:.3f}\t{rps:.1f}\t{failed:g}\t{retried:g}\n")

    # Markers: exposure, verdict, the end of each phase.
    marks = []
    for ev in events:
        e = ev["event"]
        if e == "exposure":
            marks.append((ev["t"], "exposure", "#2a9d3a", "left", 0.97))
        elif e == "verdict":
            label = f"verdict: {ev.get('verdict', '?')}"
            if isinstance(ev.get("metric"), str):
                label += f" ({ev['metric']})"
            marks.append((ev["t"], label, "#c0392b", "right", 0.97))
        elif e == "phase" and ev.get("state") in ("end", "failed"):
            ph = ev.get("phase")
            label = f"{ph} {ev.get('name') or PHASE_NAMES.get(ph, '?')}"
            if ev.get("state") == "failed":
                label += " FAILED"
            marks.append((ev["t"], label, "#555555", "left",
                          0.86 - 0.1 * ((ph if isinstance(ph, int) else 1) - 1) % 4))
    tmax = max([ev["t"] for ev in events] +
               [r[0] - t0 for r in load_rows] + [1.0])

    # Title and summary numbers.
    s = summary if isinstance(summary, dict) else {}
    v = verdict if isinstance(verdict, dict) else {}
    req = load["requests"]
    outcome = s.get("verdict") or (f"no summary (verdict {v['verdict']})"
                                   if v.get("verdict") else "no verdict")
    metric = s.get("metric") or v.get("metric")
    head = f"{name}: {outcome}"
    if metric:
        head += f" on {metric}"
    if s.get("trigger"):
        head += f" ({s['trigger']})"
    det, total = num(s.get("detection_s")), num(s.get("total_ms"))
    nums = [f"detection {det:.2f} s after exposure" if det is not None else
            "detection -",
            f"{'promotion' if s.get('verdict') == 'promoted' else 'rollback'}"
            f" {total:.0f} ms" if total is not None else "no phase end"]
    line2 = (f"requests {fmt(num(req.get('ok')))} ok, "
             f"{fmt(num(req.get('failed')))} failed, "
             f"{fmt(num(req.get('retried')))} retried, "
             f"{fmt(num(load.get('throughput_rps')))} req/s")
    title = head + " - " + ", ".join(nums)

    # Plot commands with only the curves that have data.
    styles = {"original": ("lc rgb '#1f77b4' lw 1.5", "original"),
              "patched": ("lc rgb '#d62728' lw 1.5", "patched"),
              "threshold": ("lc rgb '#000000' dt 2 lw 1.2", "threshold")}

    def panel(ms):
        parts = []
        for m in ms:
            for v in ("original", "patched", "threshold"):
                if (m, v) not in have:
                    continue
                col = 2 + 4 * METRICS.index(m) + VALUES.index(v)
                st, label = styles[v]
                if m == "lat_p99":
                    st += " dt 3" if v != "threshold" else ""
                    st = st.replace("lw 1.5", "lw 1")
                    label = "p99 " + label
                elif len(ms) > 1:
                    label = "mean " + label
                parts.append(f"series u 1:{col} w l {st} t {gp_str(label)}")
        return "plot " + ", ".join(parts) if parts else \
            "plot [][0:1] -1 w l lc rgb '#999999' t 'no data'"
    load_plot = "plot [][0:1] -1 w l lc rgb '#999999' t 'no load series'"
    if load_rows:
        load_plot = ("plot loadf u 1:2 w l lc rgb '#2a9d3a' lw 1.5 t 'throughput (req/s)', "
                     "loadf u 1:3 axes x1y2 w impulses lc rgb '#d62728' lw 3 t 'failed', "
                     "loadf u 1:4 axes x1y2 w impulses lc rgb '#ff9900' lw 2 t 'retried'")

    with open(os.path.join(work, "vars.gp"), "w") as f:
        f.write(f'title_text = {gp_str(title)} . "\\n" . {gp_str(line2)}\n')
        f.write(f"series = {gp_str(os.path.join(work, 'series.tsv'))}\n")
        f.write(f"loadf = {gp_str(os.path.join(work, 'load.tsv'))}\n")
        f.write(f"xmax = {tmax * 1.02:.3f}\n")
        f.write(f"nmark = {len(marks)}\n")
        for a in ("mx", "ml", "mc", "mj", "my"):
            f.write(f"array {a}[{max(len(marks), 1)}]\n")
        for i, (t, label, color, just, y) in enumerate(marks, 1):
            f.write(f"mx[{i}] = {t}; ml[{i}] = {gp_str(label)}; mc[{i}] = {gp_str(color)}; "
                    f"mj[{i}] = {gp_str(just)}; my[{i}] = {y:.2f}\n")
        # whole counts on the failed/retried axis while they are few
        most = max([r[2] for r in load_rows] + [r[3] for r in load_rows] + [0])
        f.write(f"y2step = {1 if most <= 8 else 0}\n")
        f.write(f"plot_lat = {gp_str(panel(['lat_mean', 'lat_p99']))}\n")
        f.write(f"plot_cpu = {gp_str(panel(['cpu_per_req']))}\n")
        f.write(f"plot_flt = {gp_str(panel(['min_flt_per_req']))}\n")
        f.write(f"plot_load = {gp_str(load_plot)}\n")

    # summary.txt
    lines = [f"run: {name}", f"outcome: {head.split(': ', 1)[1]}"]
    if "exit_code" in s:
        lines.append(f"dpoctl exit code: {s['exit_code']}")
    if v.get("why"):
        lines.append(f"why: {v['why']}")
    lines += [f"detection: {fmt(det, ' s')} from exposure to verdict",
              f"total: {fmt(total, ' ms')} from verdict to the last phase's end"]
    for ph in s.get("phases") or []:
        if isinstance(ph, dict):
            lines.append(f"  phase {ph.get('name', '?')}: {fmt(num(ph.get('duration_ms')), ' ms')}"
                         + (" FAILED" if ph.get("failed") else ""))
    if "drained" in s or "reset" in s:
        lines.append(f"connections: {s.get('drained', '-')} drained, {s.get('reset', '-')} reset")
    if isinstance(s.get("requests"), dict):
        lines.append("served: " + ", ".join(f"{k} {val}" for k, val in s["requests"].items()))
    ms = v.get("metrics")
    if isinstance(ms, dict) and ms:
        lines.append("metrics at the verdict (patched / original / threshold):")
        for m, mv in ms.items():
            if not isinstance(mv, dict):
                continue
            thr = num(mv.get("threshold_original"))
            if thr is None:
                thr = num(mv.get("threshold_baseline"))
            mark = " <-" if m == metric else ""
            lines.append(f"  {m}: {fmt(num(mv.get('patched')))} / "
                         f"{fmt(num(mv.get('original')))} / {fmt(thr)}{mark}")
    lines.append(f"load: {load.get('mode', '?')}, {load.get('conns', '?')} connections, "
                 f"{fmt(num(load.get('duration_s')), ' s')}, "
                 f"{fmt(num(load.get('throughput_rps')))} req/s")
    lines.append("requests: " + ", ".join(f"{k} {req.get(k, '-')}"
                                          for k in ("ok", "retried", "failed")))
    if isinstance(load.get("failed_by_kind"), dict) and load["failed_by_kind"]:
        lines.append("failed by kind: " + ", ".join(
            f"{k} {val}" for k, val in load["failed_by_kind"].items()))
    lat = load.get("latency_us")
    if isinstance(lat, dict):
        lines.append("client latency (us): " + ", ".join(
            f"{k} {fmt(num(lat.get(k)))}" for k in ("p50", "p90", "p99", "p999", "max", "mean")
            if k in lat))
    if not series:
        lines.append("note: no interval events: the metric panels are empty")
    with open(os.path.join(run, "summary.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")

    print(f"{name}\t{head.split(': ', 1)[1]}\t{', '.join(nums)}\t{line2}")
    if not isinstance(summary, dict):
        print(f"report.py: {run}/events.jsonl: no summary event (dpoctl did not finish)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
