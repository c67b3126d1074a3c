"""Models learnt from the labelled corpora in data/corpus, built here, never downloaded."""
