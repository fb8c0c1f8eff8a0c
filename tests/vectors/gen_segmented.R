# Reference vectors for core/stats/segmented (tests/vectors/segmented.json), from R segmented.
# Run through `Rscript tests/vectors/make_vectors.R segmented` (vectors_dir is set there).
# - fit: the exact least-squares break by brute force (the obviously-correct reference): the
#   profile RSS of lm.fit(cbind(1, x, pmax(x - p, 0)), y) at every distinct x from the 2nd to
#   the (m-1)-th, and optimize(tol = 1e-13) inside every interval between them; the least RSS
#   gives psi and the coefficients (Intercept), x, U1.x. Beside it, R segmented's own estimate
#   (segmented(lm(y ~ x), seg.Z = ~x, psi = that start, seg.control(n.boot = 0))) as
#   psi_segmented / rss_segmented: Muggeo's iteration stops at its tolerance, and at a break on
#   a data point (ties) it does not converge, so it is not always the least squares; the C
#   fit must be at least as good (rss <= rss_segmented) and equal to the brute force.
# - davies: davies.test(lm(y ~ x), seg.Z = ~x, k = 10): p-value and the 'best' point (the
#   n <= 300 t-statistic branch and, for n = 400, the Gaussian GLM branch).
# NaN is written as null. JSON by hand (jsonlite is not installed).
suppressMessages(library(segmented))
set.seed(20240607)

num <- function(v) {
  if (length(v) == 0) return("[]")
  s <- ifelse(is.finite(v), sprintf("%.17g", v), "null")
  if (length(v) == 1) s else paste0("[", paste(s, collapse = ","), "]")
}
arr <- function(v) paste0("[", paste(ifelse(is.finite(v), sprintf("%.17g", v), "null"),
                                      collapse = ","), "]")
str <- function(s) paste0("\"", s, "\"")

one_case <- function(name, x, y) {
  d <- na.omit(data.frame(x = x, y = y))
  xs <- sort(d$x)
  u <- sort(unique(d$x))
  m <- length(u)
  grid <- u[2:(m - 1)]
  prss <- function(p) sum(lm.fit(cbind(1, d$x, pmax(d$x - p, 0)), d$y)$residuals^2)
  rss <- sapply(grid, prss)
  best_p <- grid[which.min(rss)]
  best_rss <- min(rss)
  for (j in 2:(m - 2)) {
    op <- optimize(prss, c(u[j], u[j + 1]), tol = 1e-13)
    if (op$objective < best_rss) {
      best_rss <- op$objective
      best_p <- op$minimum
    }
  }
  bf <- lm.fit(cbind(1, d$x, pmax(d$x - best_p, 0)), d$y)$coefficients
  start <- grid[which.min(rss)]
  # a start strictly inside the range (segmented refuses a psi at a boundary value)
  if (start <= u[2]) start <- (u[2] + u[3]) / 2
  if (start >= u[m - 1]) start <- (u[m - 2] + u[m - 1]) / 2
  fit0 <- lm(y ~ x, data = d)
  o <- suppressWarnings(segmented(fit0, seg.Z = ~x, psi = start,
                                  control = seg.control(n.boot = 0)))
  dv <- davies.test(fit0, seg.Z = ~x, k = 10)
  paste0("{",
         "\"name\":", str(name), ",",
         "\"x\":", arr(x), ",\"y\":", arr(y), ",",
         "\"n\":", nrow(d), ",\"n_missing\":", length(x) - nrow(d), ",",
         "\"psi\":", num(best_p), ",",
         "\"intercept\":", num(unname(bf[1])), ",",
         "\"slope_left\":", num(unname(bf[2])), ",",
         "\"slope_diff\":", num(unname(bf[3])), ",",
         "\"rss\":", num(best_rss), ",",
         "\"rss_line\":", num(sum(residuals(fit0)^2)), ",",
         "\"psi_segmented\":", num(o$psi[1, "Est."]), ",",
         "\"rss_segmented\":", num(sum(residuals(o)^2)), ",",
         "\"davies_p\":", num(dv$p.value), ",",
         "\"davies_best\":", num(unname(dv$statistic)),
         "}")
}

broken <- function(x, a, b, c, psi, sd) a + b * x + c * pmax(x - psi, 0) + rnorm(length(x), 0, sd)

cases <- character(0)
x <- sort(runif(50, 0, 10))
cases <- c(cases, one_case("clear break n=50", x, broken(x, 1, 0.5, 2, 6, 0.5)))
x <- sort(runif(33, 0, 10))
cases <- c(cases, one_case("break n=33", x, broken(x, 2, -1, 1.5, 4, 0.4)))
x <- runif(34, 0, 10)
cases <- c(cases, one_case("break unsorted n=34", x, broken(x, 0, 1, -1.5, 5, 0.3)))
x <- sort(runif(120, -5, 5))
cases <- c(cases, one_case("weak break n=120", x, broken(x, 1, 0.2, 0.3, 1, 1)))
x <- seq(0, 20, length.out = 80)
cases <- c(cases, one_case("no break n=80", x, 3 + 0.7 * x + rnorm(80)))
x <- round(runif(90, 0, 10))
cases <- c(cases, one_case("ties in x n=90", x, broken(x, 1, 1, -2, 5, 0.5)))
x <- sort(runif(60, 100, 200))
y <- broken(x, 1000, 2, 5, 150, 10)
x[c(5, 30)] <- NA
y[c(12, 30, 44)] <- NaN
cases <- c(cases, one_case("NaN in x and y, offset x", x, y))
x <- sort(runif(400, 0, 1))
cases <- c(cases, one_case("break n=400 (GLM branch of davies)", x,
                           broken(x, 0, 1, 3, 0.7, 0.3)))
x <- 1:30
cases <- c(cases, one_case("integer x n=30", x, broken(x, 5, 0.1, 0.8, 17.5, 0.6)))

out <- file.path(vectors_dir, "segmented.json")
writeLines(paste0("{\"cases\":[", paste(cases, collapse = ",\n"), "]}"), out)
cat("wrote", out, "\n")
