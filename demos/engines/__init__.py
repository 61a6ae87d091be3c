"""Small micrograd-style engines for `demos.test_your_engine`: one right, the others each with one
classic bug (the files are short on purpose: read them as a learner's own engine)."""
