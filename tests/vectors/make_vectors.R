#!/usr/bin/Rscript
# Writes the reference vectors of tests/vectors/ that come from R (survival, segmented):
# runs every tests/vectors/gen_*.R next to this file (each writes its own <name>.json).
# usage: tests/vectors/make_vectors.R [NAME ...]   (default: all generators)
args <- commandArgs(trailingOnly = FALSE)
self <- sub("^--file=", "", args[grep("^--file=", args)])
here <- dirname(normalizePath(self))
wanted <- commandArgs(trailingOnly = TRUE)
for (gen in sort(Sys.glob(file.path(here, "gen_*.R")))) {
  name <- sub("^gen_(.*)\\.R$", "\\1", basename(gen))
  if (length(wanted) > 0 && !(name %in% wanted)) next
  cat("make_vectors.R:", basename(gen), "\n")
  local({
    vectors_dir <- here
    source(gen, local = TRUE)
  })
}
