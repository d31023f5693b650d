#!/usr/bin/env python3
# Derivations for docs/site-model-v2.md (issue 8). Pure Python, no fitting to validation targets.
import math

mmHg = 0.1333  # kPa per mmHg
# ---------------- 1. knot pressure: cavity expansion ----------------
def p_sph(lam, G):  # neo-Hookean spherical cavity, incompressible
    return G*(2.5 - 2/lam - 0.5/lam**4)
def p_cyl(lam, G):  # neo-Hookean cylindrical cavity, plane strain
    return G*(math.log(lam) + 0.5*(1 - 1/lam**2))
def p_lin(lam, G):  # linear elastic spherical cavity, p = 4 G u/a
    return 4*G*(lam-1)
print("== knot pressure (mmHg); J = 1 + f_k (1/s - 1)")
print("s    f_k  G(kPa)  lam_sph  p_sph  p_lin  lam_cyl p_cyl")
for s in (0.25, 0.35, 0.45, 0.49):
    for fk in (0.1, 0.3, 0.6, 1.0):
        for G in (5.8, 11.5):
            J = 1 + fk*(1/s - 1)
            ls, lc = J**(1/3), J**0.5
            print(f"{s:.2f} {fk:4.1f} {G:5.1f}   {ls:6.3f} {p_sph(ls,G)/mmHg:6.1f} {p_lin(ls,G)/mmHg:6.1f}  {lc:6.3f} {p_cyl(lc,G)/mmHg:6.1f}")
print("neo-Hookean spherical limit 2.5G:", [round(2.5*G/mmHg,1) for G in (3.9,5.8,11.5)], "mmHg for G=3.9,5.8,11.5 kPa")

# length-tension, frog GHJ corner points scaled to human thick filament (1.65/1.60)
k = 1.65/1.60
def FL(sl, corner=0.8):
    z, c, p0, p1, zero_d = 1.27*k, 1.67*k, 2.64, 2.81, 4.2
    if sl <= z: return 0.0
    if sl <= c: return corner*(sl-z)/(c-z)
    if sl <= p0: return corner + (1-corner)*(sl-c)/(p0-c)
    if sl <= p1: return 1.0
    return max(0.0, (zero_d-sl)/(zero_d-p1))
print("\n== equilibrium knot SL where sigma0*F*FL(SL) = p_cav(lam(SL)); sigma0=250 kPa (Narici 1992), sl_rest=2.7")
for G in (5.8, 11.5):
    for fk in (0.3, 1.0):
        for F in (0.02, 0.05, 0.2, 1.0):
            lo, hi = 1.3101, 2.7
            def resid(sl):
                s = sl/2.7; J = 1 + fk*(1/s-1); lam = J**(1/3)
                return 250*F*FL(sl) - p_sph(lam, G)
            for _ in range(60):
                mid = 0.5*(lo+hi)
                if resid(mid) > 0: hi = mid
                else: lo = mid
            sl = 0.5*(lo+hi)
            s = sl/2.7; J = 1+fk*(1/s-1)
            print(f"G={G:5.1f} f_k={fk:.1f} F={F:4.2f}: SL*={sl:5.3f} um (s={s:.2f})  p={p_sph(J**(1/3),G)/mmHg:5.1f} mmHg")

# ---------------- 2. perfusion, RH, PCr ----------------
MAP, P_rest, P_v = 93.0, 5.0, 10.0
q0 = 3.0          # ml/100g/min (TP 2.1)
rho = 1.06
V_isf = 0.10      # ml/ml, Reed/Aukland 1981 rat muscle IFV 10 ml/100 g
def qs(q): return q*rho/6000.0   # ml/100g/min -> 1/s
tcr, tan_, ksck, psum = 42.0, 8.2, 1.66e6, 37.5
def adp_of(pcr, ph=7.02):
    h = 10**(3-ph); cr = tcr-pcr
    return tan_*cr/(ksck*h*pcr+cr)
j_rest = 0.008
adp0 = adp_of(33.0)
def vox(adp, oxmax, kadp): return oxmax*adp**3/(adp**3+kadp**3)
def kadp_for(oxmax):
    r = j_rest/oxmax; x = (r/(1-r))**(1/3); return adp0/x

def smax(a, b, w=1.0):  # smooth max
    return 0.5*(a+b+math.sqrt((a-b)**2+w*w))

def sim(protocol, T, oxmax=0.5, gm=None, k_deg=0.0, g_myo=0.5, tau_myo=30.0, cc0=0.0, dt=0.05, rec=None):
    """protocol(t) -> (p_ext_mmHg, cuff_occluded(bool), atp_demand_mM_s)"""
    kadp = kadp_for(oxmax)
    pcr, M, tone = 33.0, 1.0, 1.0
    # O2 store: Mb 0.6 mM at P50 2.8 + dissolved 1.7 uM/mmHg + cap Hb ; lumped as store S (uM) with po2
    po2 = 38.0
    out = []
    P0 = None
    t = 0.0
    while t <= T:
        pext, occ, jd = protocol(t)
        P_in = 0.0 if occ else MAP
        Pt = P_rest + pext
        gtot = (1 + gm*(M-1)) / (1 - g_myo + g_myo*tone)
        back = smax(P_v, Pt + cc0/gtot)
        back0 = smax(P_v, P_rest + cc0)
        q = q0*gtot*max(P_in-back, 0)/(MAP-back0)
        # O2: delivery Fick with Hb P50 26.8 n 2.7, Ca 9.2 mM
        ca = 9.2*95**2.7/(95**2.7+26.8**2.7) + 1.7e-3*95
        cv = 9.2*po2**2.7/(po2**2.7+26.8**2.7) + 1.7e-3*po2
        deliv = qs(q)*(ca-cv)*1000   # uM/s
        adp = adp_of(pcr)
        vd = vox(adp, oxmax, kadp)   # mM/s ATP asked
        vo2d = vd/5*1000             # uM/s
        vo2 = vo2d*po2/(po2+0.5)     # MM at tissue PO2 (Krogh drop ignored: small at these demands)
        jox = vo2*5/1000
        capo2 = 1.7 + 0.6*1000*2.8/(2.8+po2)**2 + 0.02*9.2*1000*2.7*(po2/26.8)**1.7/(26.8*(1+(po2/26.8)**2.7)**2)
        unmet = max(vd-jox, 0)
        prod = (jd + unmet)/j_rest   # dilator production in units of resting ATP turnover
        if P0 is None:
            P0 = 1.0  # rest: prod 1 balanced by clearance
        clear0 = qs(q0)/V_isf + k_deg
        dM = clear0*prod - (qs(q)/V_isf + k_deg)*M
        ttarget = min(max((P_in-Pt)/(MAP-P_rest), 0), 1.5)
        pcr += dt*(jox - jd); po2 = max(po2 + dt*(deliv - vo2)/capo2, 0.0)
        M += dt*dM; tone += dt*(ttarget-tone)/tau_myo
        if rec is not None: rec.append((t, q, pcr, po2, M))
        t += dt
    return q, pcr, po2

def rest(t): return (0.0, False, j_rest)
# coupling gain gm from steady-state exercise hyperaemia: dQ/dVO2 = 4.9 (MacPhee 2005), at ATP demand 0.1 mM/s
def ss_ratio(gm):
    jd = 0.1
    rec=[]
    q, pcr, po2 = sim(lambda t: (0, False, jd), 900, gm=gm, rec=rec)
    dvo2 = (jd - j_rest)/5*1000   # uM/s O2
    dvo2_ml = dvo2*60/10.6/44.6  # ml O2 per 100 g per min : uM/s -> umol/L/s ; 1 ml O2 = 44.6 umol
    return (q - q0)/dvo2_ml, q, pcr

def ss_ratio(gm, kdeg):
    jd = 0.1
    q, pcr, po2 = sim(lambda t: (0, False, jd), 1200, gm=gm, k_deg=kdeg)
    dvo2 = (jd - j_rest)/5*1000
    return (q - q0)/(dvo2*60/10.6/44.6), q, pcr
def gm_for(kdeg):
    lo, hi = 1e-3, 1e3
    for _ in range(50):
        mid = (lo*hi)**0.5
        r, q, pcr = ss_ratio(mid, kdeg)
        if r < 4.9: lo = mid
        else: hi = mid
    return (lo*hi)**0.5
def rh(gm, kdeg, gmy, tau_myo=30.0, cc0=0.0, occ=300):
    rec=[]
    sim(lambda t: (0.0, 60 <= t < 60+occ, j_rest), 60+occ+600, gm=gm, k_deg=kdeg, g_myo=gmy, tau_myo=tau_myo, cc0=cc0, rec=rec)
    post = [(t,q) for (t,q,_,_,_) in rec if t >= 60+occ]
    tp, qp = max(post, key=lambda x: x[1])
    half = q0 + (qp-q0)/2
    th = next((t for (t,q) in post if t > tp and q <= half), None)
    po2min = min(r[3] for r in rec); pcrmin = min(r[2] for r in rec)
    return qp/q0, (th - tp) if th else float('nan'), po2min, pcrmin
for kdeg in (0.005, 0.05, 0.15):
    gm = gm_for(kdeg)
    r, q, pcr = ss_ratio(gm, kdeg)
    print(f"\nk_deg={kdeg}/s: gm={gm:.2f} (ss flow {q:.1f} ml/100g/min at ATP 0.1 mM/s, ratio {r:.2f}, PCr {pcr:.1f})")
    for cc0 in (0.0, 20.0):
        for gmy in (0.0, 0.5):
            res = []
            for pe in (40.0, 85.0):
                qq, _, _ = sim(lambda t, pe=pe: (pe if t > 300 else 0.0, False, j_rest), 1500, gm=gm, k_deg=kdeg, g_myo=gmy, cc0=cc0)
                res.append(qq/q0)
            print(f"  compression (k_trans=1) cc0={cc0:4.0f} g_myo={gmy}: Q/Q0 40 mmHg {res[0]:.2f}, 85 mmHg {res[1]:.3f}")
    for gmy, tm in ((0.0, 30.0), (0.5, 20.0), (0.5, 30.0), (0.5, 60.0)):
        pk, th, pmin, pcrmin = rh(gm, kdeg, gmy, tm)
        pk10, th10, _, _ = rh(gm, kdeg, gmy, tm, occ=600)
        print(f"  RH g_myo={gmy} tau_myo={tm}: 5 min peak {pk:.1f}x t1/2 {th:.1f} s (PO2 min {pmin:.1f}, PCr min {pcrmin:.1f}); 10 min peak {pk10:.1f}x t1/2 {th10:.1f} s")
    for oxmax in (0.17, 0.5, 1.3):
        rec=[]
        sim(lambda t: (0.0, False, 0.5*oxmax if 10 <= t < 70 else j_rest), 500, gm=gm, k_deg=kdeg, oxmax=oxmax, rec=rec)
        end = [x for x in rec if x[0] >= 70]
        p_end = end[0][2]
        target = p_end + 0.632*(33.0 - p_end)
        t63 = next(x[0] for x in end if x[2] >= target) - 70
        print(f"  PCr: ox_max {oxmax}: 60 s at half ox_max -> PCr {p_end:.1f} mM, PO2 min {min(x[3] for x in rec):.1f}, tau63 {t63:.1f} s")

# ---------------- hand numbers quoted in the note ----------------
print("\n== linear (Meyer-type) PCr control: tau = PCr_rest/Q_max")
for q in (0.17, 0.5, 0.8, 0.95, 1.3): print(f"  Q_max {q} mM/s -> tau {33/q:.1f} s")
adp_, h_ = 15.0, 0.016
print(f"  ADP-Hill n=3 anchored at rest, linearised near rest: tau {1/((3*0.008*(1-h_)/adp_)*(adp_*(1/9+1/33))):.0f} s")
print("== O2 penetration into a non-perfused knot, L = sqrt(2 D alpha P / VO2)")
for vo2 in (1e-3, 1e-2):
    for p in (20, 38):
        print(f"  VO2 {vo2*1e3:.0f} uM/s, rim PO2 {p} mmHg: {math.sqrt(2*2.4e-9*1.7e-3*p/vo2)*1e3:.2f} mm")
print("== washout bound t1/2 = V_isf/Q_peak:", [round(0.10/(qp*1.06/6000),1) for qp in (30, 50)], "s for 30, 50 ml/100g/min")
print("== RyR leak (5 % of 7.9 uM/s ATP, 2 Ca/ATP):", 0.05*7.9*2, "uM/s; SR volume fractions", round(1.01/11,3), round(1.14/21,3))
