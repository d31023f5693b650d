# conservation_check.awk -- check the site model's conservation laws at every output row of a
# run's series.csv (long format: t_s,variable,unit,value).  Each law is a fixed linear
# combination of integrated states; its value at the first row is E0 and every later row must
# satisfy |E(t) - E0| <= RTOL * |E0|.  Prints one line per law (max drift and its time) and
# "VIOLATION ..." lines naming law, scenario, time and drift; exit status 1 on any violation,
# 2 if a law's states are missing from the file.
#   usage: awk -v RTOL=1e-6 -v SCEN=name -v VMYO=0.85 -v VSR=0.054 -f conservation_check.awk series.csv
BEGIN {
    FS = ","
    nlaw = 0
    # law name, then "coefficient:variable" terms.  Ca2+ in mM per fibre volume (ca_c is in uM).
    law("core.creatine", "1:core.pcr 1:core.cr")
    law("core.adenine", "1:core.atp 1:core.adp 1:core.amp")
    law("core.phosphate", "1:core.pcr 1:core.pi 3:core.atp 2:core.adp 1:core.amp")
    law("core.ca_total", (VMYO / 1000) ":core.ca_c " VSR ":core.ca_s")
    law("core.ca_total_flank", (VMYO / 1000) ":core.ca_c_flank " VSR ":core.ca_s_flank")
    law("surround.creatine", "1:surround.pcr 1:surround.cr")
    law("surround.adenine", "1:surround.atp 1:surround.adp 1:surround.amp")
    law("surround.phosphate", "1:surround.pcr 1:surround.pi 3:surround.atp 2:surround.adp 1:surround.amp")
    bad = 0
}
function law(name, terms,   n, parts, i, cv) {
    nlaw++
    lname[nlaw] = name
    n = split(terms, parts, " ")
    nterm[nlaw] = n
    for (i = 1; i <= n; i++) {
        split(parts[i], cv, ":")
        coef[nlaw, i] = cv[1] + 0
        var[nlaw, i] = cv[2]
        want[cv[2]] = 1
    }
}
function flush(   k, i, e, d, ok) {
    if (cur == "") return
    for (k = 1; k <= nlaw; k++) {
        ok = 1
        e = 0
        for (i = 1; i <= nterm[k]; i++) {
            if (!((var[k, i]) in val)) { ok = 0; break }
            e += coef[k, i] * val[var[k, i]]
        }
        if (!ok) { missing[k] = 1; continue }
        if (!(k in e0)) { e0[k] = e; maxd[k] = 0; maxt[k] = cur; continue }
        d = e - e0[k]; if (d < 0) d = -d
        d = (e0[k] != 0) ? d / (e0[k] < 0 ? -e0[k] : e0[k]) : d
        if (d > maxd[k]) { maxd[k] = d; maxt[k] = cur }
        if (d > RTOL && !(k in reported)) {
            printf "VIOLATION conservation law '%s' drifted by %.3g (rel) at t = %s s in scenario %s\n", lname[k], d, cur, SCEN
            reported[k] = 1
            bad = 1
        }
    }
    delete val
}
NR == 1 { next }
{
    if ($1 != cur) { flush(); cur = $1 }
    if ($2 in want) val[$2] = $4 + 0
}
END {
    flush()
    for (k = 1; k <= nlaw; k++) {
        if (k in missing || !(k in e0)) { printf "MISSING law '%s': its states are not in the series (scenario %s)\n", lname[k], SCEN; bad = (bad ? bad : 2); continue }
        printf "law %-22s E0 %-12.8g max drift %.3g (rel) at t = %s s\n", lname[k], e0[k], maxd[k], maxt[k]
    }
    exit bad
}
