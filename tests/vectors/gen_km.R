# Reference vectors for core/stats/km (Kaplan–Meier): tests/vectors/km.json.
# Reference: R's survival package, survfit(Surv(time, event) ~ 1, conf.type = "log-log") for
# the curve, quantile.survfit (called once per p: its "max(y) < min(p)" check looks at the
# smallest p asked for) for quantiles and their limits, and survmean (what print.survfit and
# summary.survfit()$table call) for the median with its limits and the restricted mean.
# Run: Rscript tests/vectors/make_vectors.R km   (defines vectors_dir), or source it directly.
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

# One case: the input, the curve, quantiles for each p, the median and rmean for each tau.
km_case <- function(name, time, event, probs = NULL, taus = NULL) {
  ok <- !is.na(time) & !is.na(event)
  fit <- survfit(Surv(time[ok], event[ok]) ~ 1, conf.type = "log-log")
  # p: fixed probabilities, values where 1 - S sits on a flat stretch, and beyond the curve.
  flat <- unique(1 - fit$surv)
  flat <- flat[flat > 0 & flat < 1]
  if (length(flat) > 4) flat <- flat[round(seq(1, length(flat), length.out = 4))]
  probs <- unique(c(0, 1e-9, 0.1, 0.25, 0.5, 0.75, 0.9, 1, flat, probs))
  quants <- vapply(probs, function(p) {
    q <- quantile(fit, probs = p, conf.int = TRUE)
    obj(list(p = num(p), estimate = num(unname(q$quantile)), lower = num(unname(q$lower)),
             upper = num(unname(q$upper))))
  }, "")
  m <- survival:::survmean(fit, rmean = "none")$matrix
  median <- obj(list(estimate = num(m[["median"]]), lower = num(m[["0.95LCL"]]),
                     upper = num(m[["0.95UCL"]])))
  tmax <- max(fit$time)
  ev <- fit$time[fit$n.event > 0]
  taus <- unique(c(0, min(fit$time), tmax / 3, if (length(ev)) ev[ceiling(length(ev) / 2)],
                   tmax, 1.5 * tmax, taus))
  rmeans <- vapply(taus, function(tau) {
    r <- survival:::survmean(fit, rmean = tau)$matrix
    obj(list(tau = num(tau), estimate = num(r[["rmean"]]), std_err = num(r[["se(rmean)"]])))
  }, "")
  curve <- obj(list(time = arr(fit$time), n_risk = arr(fit$n.risk),
                    n_event = arr(fit$n.event), n_censor = arr(fit$n.censor),
                    surv = arr(fit$surv), std_err = arr(fit$surv * fit$std.err),
                    std_err_log = arr(fit$std.err), lower = arr(fit$lower),
                    upper = arr(fit$upper)))
  obj(list(name = str(name), time = arr(time), event = arr(event), n = num(sum(ok)),
           n_missing = num(sum(!ok)), n_events = num(sum(event[ok])), curve = curve,
           quantiles = paste0("[", paste(quants, collapse = ","), "]"), median = median,
           rmean = paste0("[", paste(rmeans, collapse = ","), "]")))
}

set.seed(20240611)
cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- km_case(...)

# Hand-made: ties, a flat stretch exactly at S = 0.5 in the middle and at the end.
add("textbook_ties", c(1, 2, 2, 3, 4, 5, 5, 6), c(1, 0, 1, 1, 0, 1, 1, 1))
add("flat_half_then_falls", c(1, 2, 3, 4, 5, 6), c(1, 1, 1, 0, 1, 1))
add("ends_flat_at_half", c(1, 2, 3, 4), c(1, 1, 0, 0))
add("n1_event", 5, 1)
add("n1_censored", 5, 0)
add("n2_both_events", c(3, 7), c(1, 1))
add("n2_event_then_censored", c(3, 7), c(1, 0))
add("n2_tied_events", c(4, 4), c(1, 1))
add("n3_mixed", c(2, 5, 9), c(0, 1, 1))
add("n3_censored_first", c(1, 1, 8), c(0, 1, 1))
add("all_censored", c(3, 1, 4, 1, 5), c(0, 0, 0, 0, 0))
add("event_at_zero", c(0, 0, 1, 2, 2, 3), c(1, 0, 1, 1, 0, 1))
add("leading_censorings", c(0.5, 0.7, 1, 2, 3, 4, 5), c(0, 0, 1, 1, 0, 1, 0))
add("last_censored_above_half", c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    c(1, 0, 0, 1, 0, 0, 1, 0, 0, 0))
# n = 33: no censoring with ties; censored with ties.
add("n33_no_censoring_ties", sample(1:12, 33, replace = TRUE), rep(1, 33))
add("n33_censored_ties", sample(1:15, 33, replace = TRUE), rbinom(33, 1, 0.6))
add("n34_continuous", round(rexp(34, 0.1), 3), rbinom(34, 1, 0.7))
# Missing values: NaN durations and flags are skipped and counted.
t_na <- round(rweibull(40, 1.5, 10), 2)
e_na <- rbinom(40, 1, 0.65)
t_na[c(3, 17, 31)] <- NA
e_na[22] <- NA
add("nan_skipped", t_na, e_na)
add("heavy_ties_n100", sample(1:5, 100, replace = TRUE), rbinom(100, 1, 0.5))
add("n1000_random", round(rexp(1000, 1 / 30), 2), rbinom(1000, 1, 0.7))
add("n1000_no_censoring", round(rweibull(1000, 0.8, 50), 1), rep(1, 1000))

json <- paste0("{\"generator\":\"tests/vectors/gen_km.R\",",
               "\"reference\":", str(sprintf("R %s, survival %s", getRversion(),
                                             packageVersion("survival"))), ",",
               "\"z\":", num(qnorm(0.975)), ",",
               "\"cases\":[\n", paste(unlist(cases), collapse = ",\n"), "\n]}\n")
writeLines(json, file.path(vectors_dir, "km.json"), sep = "")
cat("wrote", file.path(vectors_dir, "km.json"), "\n")
