"""Synthetic demo wells: a fresh machine can train, predict and explain without downloading data.

Why rock physics rather than random numbers: the models must find real structure (DTC and DTS
follow from porosity, shale and lithology the same way the other logs do), the QC must meet the
same problems as in real wells (washouts, null gaps, spikes) and the explanations should read
sensibly. The relations, per sample (phi = porosity, Vsh = shale fraction, Sw = water saturation):

* **Lithology** — a sequence of beds (exponential thicknesses, mean ~6 m) drawn from sand / shale /
  limestone; each bed has its own Vsh and porosity (sand and limestone porosity decrease with
  depth: compaction). Bed boundaries are smoothed over ~0.6 m (tool resolution).
* **GR** = GR_clean + Vsh (GR_shale - GR_clean)  (linear gamma-ray index).
* **RHOB** = phi rho_fluid + (1 - phi) rho_matrix, rho_matrix = 2.65 sand / 2.71 limestone /
  2.72 shale (mixed by Vsh); rho_fluid 1.0 brine, 0.75 in hydrocarbon-bearing sands.
* **NPHI** = phi HI + 0.30 Vsh (bound water) - 0.02 in sand (limestone-calibrated tool); hydrogen
  index HI 1.0 brine, 0.7 hydrocarbons.
* **DTC** — Wyllie time average: DTC = phi dt_fluid + (1 - phi) dt_matrix with dt_fluid = 189,
  dt_matrix 55.5 sand / 47.6 limestone / 100 shale (us/ft, mixed by Vsh); hydrocarbons add a
  few us/ft.
* **DTS** — Castagna: clastics on the mudrock line Vs = 0.862 Vp - 1.172 (km/s), limestone
  Vs = -0.055 Vp^2 + 1.017 Vp - 1.031 (km/s); Vp = 304.8 / DTC; DTS = 304.8 / Vs.
* **RDEP** — Archie with parallel shale conduction: 1/Rt = (1 - Vsh) phi^m Sw^n / (a Rw) + Vsh / Rsh,
  a = 1, m = 2, n = 2, Rw = 0.06, Rsh = 2 ohm.m; **RMED** = Rt^0.85 Rxo^0.15 (shallower reading
  sees the invaded zone, Rxo by Archie with Rmf = 0.25 and Sxo = 0.8).
* **PEF** = 1.81 sand / 5.08 limestone / 3.4 shale, mixed by Vsh.
* **CALI** = BS + 0.1 in noise, plus one washout stretch in a shale (+1.5 to +4 in) where the pad
  tools read mud: RHOB drops, NPHI rises, PEF falls.

Realistic Gaussian noise (multiplicative for resistivity), a few spikes, and null gaps are added;
the top of each well has no sonic (logged later), and every fourth well has no DTS. Everything is
drawn from ``numpy.random.default_rng([seed, well_index])``: the same seed gives the same files.
"""

from __future__ import annotations

from pathlib import Path

import lasio
import numpy as np

from welllog.well import SYNTHETIC_SERVICE

STEP_M = 0.1524
NULL = -999.25

_LITHOLOGIES = ("sand", "shale", "limestone")
_LITH_P = (0.40, 0.45, 0.15)
_CURVES: tuple[tuple[str, str, str], ...] = (
    ("CALI", "in", "caliper"),
    ("BS", "in", "bit size"),
    ("GR", "gAPI", "gamma ray"),
    ("NPHI", "v/v", "neutron porosity (limestone units)"),
    ("RHOB", "g/cm3", "bulk density"),
    ("PEF", "b/e", "photoelectric factor"),
    ("RDEP", "ohm.m", "deep resistivity"),
    ("RMED", "ohm.m", "medium resistivity"),
    ("DTC", "us/ft", "compressional slowness"),
    ("DTS", "us/ft", "shear slowness"),
    ("LITH", "", "synthetic lithology code: 0 sand, 1 shale, 2 limestone"),
)


def _beds(rng: np.random.Generator, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-sample lithology code, shale fraction, porosity and hydrocarbon flag from a bed sequence."""
    n = depth.size
    lith = np.empty(n, dtype=int)
    vsh = np.empty(n)
    phi = np.empty(n)
    hc = np.zeros(n, dtype=bool)
    i = 0
    while i < n:
        thick = max(8, int(rng.exponential(6.0) / STEP_M))
        j = min(n, i + thick)
        code = int(rng.choice(3, p=_LITH_P))
        z = float(depth[i])
        compaction = np.exp(-(z - 1000.0) / 6000.0)  # porosity falls with depth
        if code == 0:  # sand
            v, p = rng.uniform(0.02, 0.30), rng.uniform(0.18, 0.33) * compaction
            hc[i:j] = rng.random() < 0.3
        elif code == 1:  # shale
            v, p = rng.uniform(0.65, 0.95), rng.uniform(0.10, 0.22) * compaction
        else:  # limestone
            v, p = rng.uniform(0.02, 0.20), rng.uniform(0.03, 0.20) * compaction
        lith[i:j], vsh[i:j], phi[i:j] = code, v, p
        i = j
    kernel = np.ones(5) / 5.0  # ~0.6 m tool resolution
    vsh = np.convolve(np.pad(vsh, 2, mode="edge"), kernel, mode="valid")
    phi = np.convolve(np.pad(phi, 2, mode="edge"), kernel, mode="valid")
    return lith, np.clip(vsh, 0, 1), np.clip(phi, 0.01, 0.4), hc


def _well_curves(rng: np.random.Generator, n: int, has_dts: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Depth (m) and the curves of one synthetic well, in canonical units."""
    top = float(np.round(rng.uniform(800.0, 2500.0), 1))
    depth = top + STEP_M * np.arange(n)
    lith, vsh, phi, hc = _beds(rng, depth)
    sand, lime = lith == 0, lith == 2
    clean = 1.0 - vsh
    gr_clean, gr_shale = rng.uniform(15, 30), rng.uniform(100, 140)
    gr = gr_clean + vsh * (gr_shale - gr_clean)

    rho_clean = np.where(lime, 2.71, 2.65)
    rho_ma = clean * rho_clean + vsh * 2.72
    rho_f = np.where(hc, 0.75, 1.0)
    rhob = phi * rho_f + (1 - phi) * rho_ma

    hi = np.where(hc, 0.7, 1.0)
    nphi = phi * hi + 0.30 * vsh - 0.02 * sand

    dt_clean = np.where(lime, 47.6, 55.5)
    dt_ma = clean * dt_clean + vsh * 100.0
    dtc = phi * 189.0 + (1 - phi) * dt_ma + 6.0 * hc

    vp = 304.8 / dtc  # km/s
    vs_clastic = 0.862 * vp - 1.172
    vs_lime = -0.055 * vp**2 + 1.017 * vp - 1.031
    vs = np.clip(np.where(lime, vs_lime, vs_clastic), 0.35, None)
    dts = 304.8 / vs

    sw = np.where(hc, rng.uniform(0.15, 0.4), 1.0)
    rw, rsh, rmf = 0.06, 2.0, 0.25
    rt = 1.0 / (clean * phi**2 * sw**2 / rw + vsh / rsh)
    rxo = 1.0 / (clean * phi**2 * 0.8**2 / rmf + vsh / rsh)
    rmed = rt**0.85 * rxo**0.15

    pef = clean * np.where(lime, 5.08, 1.81) + vsh * 3.4

    bs = np.full(n, float(rng.choice([8.5, 12.25])))
    cali = bs + rng.normal(0.0, 0.1, n)
    # one washout in a shale: the pad tools read mud
    shale_idx = np.flatnonzero(lith == 1)
    if shale_idx.size:
        start = int(rng.choice(shale_idx))
        length = int(rng.integers(60, 200))
        stop = min(n, start + length)
        excess = rng.uniform(1.5, 4.0) * np.sin(np.linspace(0, np.pi, stop - start))
        cali[start:stop] += excess
        rhob[start:stop] -= 0.06 * excess
        nphi[start:stop] += 0.03 * excess
        pef[start:stop] -= 0.3 * excess

    curves = {
        "CALI": cali,
        "BS": bs,
        "GR": gr + rng.normal(0, 3.0, n),
        "NPHI": nphi + rng.normal(0, 0.01, n),
        "RHOB": rhob + rng.normal(0, 0.015, n),
        "PEF": pef + rng.normal(0, 0.1, n),
        "RDEP": rt * np.exp(rng.normal(0, 0.03, n)),
        "RMED": rmed * np.exp(rng.normal(0, 0.03, n)),
        "DTC": dtc + rng.normal(0, 1.5, n),
        "DTS": dts + rng.normal(0, 3.0, n),
        "LITH": lith.astype(float),
    }
    # a few spikes in GR and RHOB (tool glitches)
    for name, size in (("GR", 80.0), ("RHOB", 0.4)):
        idx = rng.choice(n, size=3, replace=False)
        curves[name][idx] += size * rng.choice([-1, 1], size=3)
    curves["GR"] = np.clip(curves["GR"], 0.0, None)
    # sonic logged only below a casing point; null gaps in random curves
    sonic_top = int(rng.uniform(0.05, 0.15) * n)
    curves["DTC"][:sonic_top] = np.nan
    curves["DTS"][: sonic_top + int(rng.uniform(0.0, 0.1) * n)] = np.nan
    if not has_dts:
        curves["DTS"][:] = np.nan
    for _ in range(3):
        name = str(rng.choice(["GR", "NPHI", "RHOB", "PEF", "RDEP", "RMED", "DTC"]))
        start = int(rng.integers(0, n - 100))
        curves[name][start: start + int(rng.integers(20, 100))] = np.nan
    return depth, curves


def generate_demo_wells(out_dir: str | Path, n_wells: int = 4, seed: int = 0, n_samples: int | None = None) -> list[Path]:
    """Write ``n_wells`` synthetic LAS 2.0 wells to ``out_dir`` (created); returns their paths.

    ``n_samples`` fixes the number of samples per well (default: 2500-4500, drawn per well).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i in range(n_wells):
        rng = np.random.default_rng([seed, i])
        n = int(n_samples) if n_samples else int(rng.integers(2500, 4500))
        has_dts = i % 4 != 3
        depth, curves = _well_curves(rng, n, has_dts)
        name = f"DEMO-{i + 1}"
        las = lasio.LASFile()
        las.well["WELL"].value = name
        las.well["COMP"].value = "welllog synthetic"
        las.well["FLD"].value = f"demo (seed {seed})"
        las.well["SRVC"].value = SYNTHETIC_SERVICE
        las.well["DATE"].value = ""
        las.well["NULL"].value = NULL
        las.append_curve("DEPT", depth, unit="m", descr="measured depth")
        for mnem, unit, descr in _CURVES:
            if mnem == "DTS" and not has_dts:
                continue
            las.append_curve(mnem, np.round(curves[mnem], 5), unit=unit, descr=descr)
        path = out / f"{name}.las"
        with open(path, "w") as fh:
            las.write(fh, version=2.0, fmt="%.5f", STEP=STEP_M)
        paths.append(path)
    return paths
