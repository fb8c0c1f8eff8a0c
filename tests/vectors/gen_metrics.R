# Reference vectors for core/metrics_vl (Validation Lag of a register): tests/vectors/metrics.json.
# Each case is a register of changes (effective_at and closure as seconds from the window's
# start, closure null while open, gated flag) and a window [0, asof). The VL population and
# durations follow DESIGN.md ("Vocabulary": VL) and the metrics contract: gated changes effective
# in [0, asof); closed at or before asof -> event at max(0, closed - effective); otherwise
# censored at asof - effective. Reference for the Kaplan-Meier figures: R's survival package,
# survfit(Surv(time, event) ~ 1, conf.type = "log-log"), survmean (print.survfit's median with
# its limits, and the restricted mean with rmean = "common": tau = the longest observed
# follow-up, never past the data), quantile.survfit for p90; type 7 quantile() for the median
# of the closed durations. With no event, ratchet reports no restricted mean (it would only
# restate the follow-up time): rmean is null there, whatever survmean prints.
# Run: Rscript tests/vectors/make_vectors.R metrics   (defines vectors_dir), or source it directly.
suppressPackageStartupMessages(library(survival))
if (!exists("vectors_dir")) vectors_dir <- "tests/vectors"

num <- function(x) {
  vapply(x, function(v) {
    if (is.na(v)) "null"
    else if (is.infinite(v)) if (v > 0) "\"inf\"" else "\"-inf\""
    else sprintf("%.17g", v)
  }, "")
}
arr <- function(x) paste0("[", paste(num(x), collapse = ","), "]")
obj <- function(fields) {
  paste0("{", paste(sprintf("\"%s\":%s", names(fields), unlist(fields)), collapse = ","), "}")
}
str <- function(s) sprintf("\"%s\"", s)

# One register: effective and closed (NA = open) in seconds from the window's start, gated
# flags, and asof (the window is [0, asof)).
vl_case <- function(name, effective, closed, gated, asof) {
  inwin <- effective >= 0 & effective < asof
  pop <- inwin & gated == 1
  eff <- effective[pop]
  clo <- closed[pop]
  is_closed <- !is.na(clo) & clo <= asof
  time <- ifelse(is_closed, pmax(0, clo - eff), asof - eff)
  event <- as.numeric(is_closed)
  n <- sum(pop)
  fields <- list(name = str(name), asof = num(asof), effective = arr(effective),
                 closed = arr(closed), gated = arr(gated), n = num(n),
                 closed_n = num(sum(is_closed)), open = num(sum(!is_closed)),
                 ungated = num(sum(inwin & gated == 0)),
                 closed_before_effective = num(sum(is_closed & clo < eff)),
                 closed_median = num(if (any(is_closed)) unname(quantile(time[is_closed], 0.5,
                                                                        type = 7)) else NA),
                 oldest_open_age = num(if (any(!is_closed)) max(time[!is_closed]) else NA))
  if (n > 0) {
    fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log")
    m <- survival:::survmean(fit, rmean = "common")$matrix
    q <- quantile(fit, probs = 0.9, conf.int = TRUE)
    fields$median <- obj(list(estimate = num(m[["median"]]), lower = num(m[["0.95LCL"]]),
                              upper = num(m[["0.95UCL"]])))
    fields$p90 <- obj(list(estimate = num(unname(q$quantile)), lower = num(unname(q$lower)),
                           upper = num(unname(q$upper))))
    closed_any <- any(is_closed)
    fields$rmean <- obj(list(estimate = num(if (closed_any) m[["rmean"]] else NA),
                             std_err = num(if (closed_any) m[["se(rmean)"]] else NA),
                             tau = num(max(time))))
  }
  obj(fields)
}

H <- 3600
D <- 86400
cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- vl_case(...)

# The hand-derived register of tests/unit/test_metrics_vl.c: ties (two lags of 2h), a closure
# before effective (counted at 0), an ungated change, one open, one before the window.
add("hand_mixed",
    effective = c(0, 1, 2, 3, 4, 5, -1, 6) * H,
    closed = c(2, 5, NA, 1, 10, NA, NA, 8) * H,
    gated = c(1, 1, 1, 1, 1, 0, 1, 1), asof = 10 * D)
# Ties between an event and a censoring at the same duration, and a closure after asof (open).
add("event_and_censor_tie",
    effective = c(0, 2, 4, 6, 8, 10) * D,
    closed = c(1 * D, 8 * D, NA, 7 * D, 20 * D, 13 * D),
    gated = c(1, 1, 1, 1, 1, 1), asof = 14 * D)
# Half exactly closed: the median's midpoint rule.
add("half_closed",
    effective = c(0, 1, 2, 3) * H,
    closed = c(1, 3, NA, NA) * H,
    gated = c(1, 1, 1, 1), asof = 2 * D)
# The new user's case: one gated change, open 7h40m at asof: no restricted mean (not 7 days).
add("one_open", effective = c(0), closed = c(NA), gated = c(1), asof = (7 * 60 + 40) * 60)
# The longest follow-up is an event (the last closure comes after every censoring).
add("longest_is_event",
    effective = c(0, 1, 2, 3) * D,
    closed = c(9.5, NA, 2.5, NA) * D,
    gated = c(1, 1, 1, 1), asof = 10 * D)
# A register of 60 changes: Poisson arrivals, exponential evaluation times, about a fifth
# open at asof, some ungated, some effective before the window.
set.seed(20260301)
arrivals <- cumsum(rexp(60, 1 / (8 * H))) - 3 * D
lag <- round(rexp(60, 1 / (20 * H)))
closed <- arrivals + lag
closed[runif(60) < 0.15] <- NA
gated <- as.numeric(runif(60) > 0.1)
add("poisson_60", effective = round(arrivals), closed = round(closed), gated = gated,
    asof = 14 * D)

json <- paste0("{\"generator\":\"tests/vectors/gen_metrics.R\",",
               "\"reference\":", str(sprintf("R %s, survival %s", getRversion(),
                                             packageVersion("survival"))), ",",
               "\"cases\":[\n", paste(unlist(cases), collapse = ",\n"), "\n]}\n")
writeLines(json, file.path(vectors_dir, "metrics.json"), sep = "")
cat("wrote", file.path(vectors_dir, "metrics.json"), "\n")
